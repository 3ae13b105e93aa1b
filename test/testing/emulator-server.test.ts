import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Atlassian, generateState } from "../../src/index.js";
import { DEFAULT_CLIENT, DEFAULT_SITE, type RunningAtlassianEmulator, startAtlassianEmulator } from "../../src/testing/index.js";
import { emulatorScenarios, REDIRECT_URI } from "./emulator-scenarios.js";

let running: RunningAtlassianEmulator;

// A fresh emulator (state and port) for every test.
beforeEach(async () => {
	running = await startAtlassianEmulator();
});
afterEach(async () => {
	await running.close();
});

describe("Atlassian emulator on a loopback port", () => {
	emulatorScenarios(() => ({
		emulator: running.emulator,
		atlassian: (options = {}) =>
			new Atlassian(DEFAULT_CLIENT.clientId, options.clientSecret ?? DEFAULT_CLIENT.clientSecret, options.redirectURI ?? REDIRECT_URI, {
				...options,
				hosts: running.hosts,
			}),
	}));

	it("listens on 127.0.0.1 with a free port", () => {
		expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
	});

	describe("consent page", () => {
		const atlassian = () => new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, REDIRECT_URI, { hosts: running.hosts });

		it("shows the app's name, the requested scopes in plain words, and Accept and Decline buttons", async () => {
			const response = await fetch(atlassian().createAuthorizationURL("st", ["read:me", "offline_access"]));
			expect(response.status).toBe(200);
			const html = await response.text();
			expect(html).toContain("<li>View your profile: name, email address and avatar <code>read:me</code></li>");
			expect(html).toContain("<code>offline_access</code>");
			expect(html).toContain('<meta name="viewport"');
			expect(html).toMatch(/<button[^>]*value="accept"[^>]*>Accept<\/button>/);
			expect(html).toMatch(/<button[^>]*value="decline"[^>]*>Decline<\/button>/);
		});

		it("names the app, and lets the user choose one of several sites: the grant then reaches only that site", async () => {
			const second = {
				...structuredClone(DEFAULT_SITE),
				id: "9f0e2b1c-0000-4000-8000-000000000002",
				name: "globex",
				url: "https://globex.atlassian.net",
			};
			const emulator = running.emulator;
			emulator.clients[0] = { ...DEFAULT_CLIENT, name: "Acme Sync" };
			emulator.sites.push(second);
			emulator.users[0]?.siteIds.push(second.id);
			const html = await (await fetch(atlassian().createAuthorizationURL("st", ["read:me", "read:jira-work"]))).text();
			expect(html).toContain("<h1>Acme Sync is requesting access to your Atlassian account</h1>");
			expect(html).toContain(`<option value="${second.id}">globex (https://globex.atlassian.net)</option>`);
			const body = new URLSearchParams({
				client_id: DEFAULT_CLIENT.clientId,
				redirect_uri: REDIRECT_URI,
				state: "st",
				scope: "read:me read:jira-work",
				decision: "accept",
				site_id: second.id,
			});
			const decided = await fetch(`${running.url}/authorize/decision`, { method: "POST", body, redirect: "manual" });
			const code = new URL(decided.headers.get("location") ?? "").searchParams.get("code") ?? "";
			const tokens = await atlassian().validateAuthorizationCode(code);
			const sites = await atlassian().getAccessibleResources(tokens.accessToken());
			expect(sites.map((site) => site.name)).toEqual(["globex"]);
		});

		it.each([
			["an unknown client_id", { client_id: "nope" }],
			["an unregistered redirect_uri", { redirect_uri: "https://evil.example/cb" }],
			["response_type other than code", { response_type: "token" }],
			["a wrong audience", { audience: "example.com" }],
		])("refuses %s with a 400 page", async (_, override) => {
			const url = atlassian().createAuthorizationURL("st", ["read:me"]);
			for (const [name, value] of Object.entries(override)) url.searchParams.set(name, value);
			expect((await fetch(url)).status).toBe(400);
		});

		async function decide(decision: "accept" | "decline", state: string) {
			const body = new URLSearchParams({
				client_id: DEFAULT_CLIENT.clientId,
				redirect_uri: REDIRECT_URI,
				state,
				scope: "read:me offline_access",
				decision,
			});
			const response = await fetch(`${running.url}/authorize/decision`, { method: "POST", body, redirect: "manual" });
			expect(response.status).toBe(302);
			return new URL(response.headers.get("location") ?? "");
		}

		it("Accept redirects with a working code and the state", async () => {
			const state = generateState();
			const location = await decide("accept", state);
			expect(location.origin + location.pathname).toBe(REDIRECT_URI);
			expect(location.searchParams.get("state")).toBe(state);
			const tokens = await atlassian().validateAuthorizationCode(location.searchParams.get("code") ?? "");
			expect(tokens.scopes()).toEqual(["read:me", "offline_access"]);
		});

		it("Decline redirects with access_denied and the state", async () => {
			const location = await decide("decline", "st-2");
			expect(Object.fromEntries(location.searchParams)).toEqual({
				error: "access_denied",
				error_description: "User did not authorize the request",
				state: "st-2",
			});
		});
	});
});
