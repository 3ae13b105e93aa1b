import { describe, expect, it } from "vitest";
import { type AccessibleResource, SiteNotAccessibleError, selectSite } from "../../src/index.js";

const site = (id: string, url: string): AccessibleResource => ({
	id,
	url,
	name: new URL(url).hostname.split(".")[0] ?? "",
	scopes: [],
	avatarUrl: "",
});
const acme = site("1324a887-45db-1bf4-1e99-ef0ff456d421", "https://acme.atlassian.net");
const globex = site("9f0e2b1c-0000-4000-8000-000000000002", "https://globex.atlassian.net");

describe("selectSite", () => {
	it.each([
		["its URL", "https://globex.atlassian.net"],
		["its URL with a trailing slash", "https://globex.atlassian.net/"],
		["its host without the scheme", "globex.atlassian.net"],
		["its URL in another case", "https://GLOBEX.atlassian.net"],
		["its cloud id", "9f0e2b1c-0000-4000-8000-000000000002"],
		["its cloud id in upper case", "9F0E2B1C-0000-4000-8000-000000000002"],
	])("picks a site by %s, wherever Atlassian listed it", (_, wanted) => {
		expect(selectSite([acme, globex], wanted)).toBe(globex);
		expect(selectSite([globex, acme], wanted)).toBe(globex);
	});

	it("throws a clear error naming the sites the grant does reach", () => {
		const error = (() => {
			try {
				selectSite([acme, globex], "https://initech.atlassian.net");
			} catch (caught) {
				return caught;
			}
		})() as SiteNotAccessibleError;
		expect(error).toBeInstanceOf(SiteNotAccessibleError);
		expect(error).toMatchObject({ name: "SiteNotAccessibleError", site: "https://initech.atlassian.net" });
		expect(error.accessibleSites).toEqual(["https://acme.atlassian.net", "https://globex.atlassian.net"]);
		expect(error.message).toMatch(/sign in again and choose that site/);
		expect(() => selectSite([], acme.id)).toThrow(/reaches no site/);
	});

	it("does not match a site whose URL merely starts with the one asked for", () => {
		expect(() => selectSite([site(acme.id, "https://acme.atlassian.net.evil.example")], "https://acme.atlassian.net")).toThrow(
			SiteNotAccessibleError,
		);
	});
});
