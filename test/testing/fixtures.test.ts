import { expect, it } from "vitest";
import { DEFAULT_CLIENT, DEFAULT_SITE, DEFAULT_USER } from "../../src/testing/index.js";

it("the default client, user and site fit together: the user reaches the site, whose scopes cover sign-in and Jira", () => {
	expect(DEFAULT_USER.siteIds).toContain(DEFAULT_SITE.id);
	expect(DEFAULT_SITE.id).toMatch(/^[0-9a-f-]{36}$/);
	expect(DEFAULT_SITE.scopes).toEqual(expect.arrayContaining(["read:jira-work"]));
	expect(DEFAULT_CLIENT.redirectURIs.length).toBeGreaterThan(0);
	for (const uri of DEFAULT_CLIENT.redirectURIs) expect(new URL(uri).hostname).toMatch(/^(localhost|127\.0\.0\.1)$/);
	expect(DEFAULT_USER.profile.account_id).not.toBe("");
});
