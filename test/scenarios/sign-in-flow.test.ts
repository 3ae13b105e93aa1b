import { setupServer } from "msw/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Atlassian, createGatewayURL, createLoginResponse, validateLoginCallback } from "../../src/index.js";
import { AtlassianEmulator, DEFAULT_CLIENT, DEFAULT_SITE, DEFAULT_USER } from "../../src/testing/index.js";
import { createAtlassianHandlers } from "../../src/testing/msw.js";

// The whole sign-in through the route helpers, against Atlassian's real URLs answered by msw:
// start → redirect URL → consent → callback → tokens → user → sites → a gateway URL.
const redirectURI = "https://app.example/login/atlassian/callback";
const emulator = new AtlassianEmulator({ clients: [{ ...DEFAULT_CLIENT, redirectURIs: [redirectURI] }] });
const server = setupServer(...createAtlassianHandlers(emulator));
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterAll(() => server.close());

describe("sign in end to end through the route helpers", () => {
	it("goes from the login route to a Jira API call", async () => {
		const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, redirectURI);

		// 1. The login route redirects to the consent page and sets the state cookie.
		const login = createLoginResponse(atlassian, ["read:me", "offline_access", "read:jira-work", "read:jira-user"]);
		const authorizeURL = new URL(login.headers.get("location") ?? "");
		const stateCookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";

		// 2. The browser shows the consent page; the user clicks Accept.
		const consent = await fetch(authorizeURL);
		expect(consent.status).toBe(200);
		expect(await consent.text()).toContain("read:jira-work");
		const decision = await fetch(new URL("/authorize/decision", authorizeURL), {
			method: "POST",
			body: new URLSearchParams({
				client_id: DEFAULT_CLIENT.clientId,
				redirect_uri: redirectURI,
				state: authorizeURL.searchParams.get("state") ?? "",
				scope: authorizeURL.searchParams.get("scope") ?? "",
				decision: "accept",
			}),
			redirect: "manual",
		});
		const callbackURL = decision.headers.get("location") ?? "";
		expect(callbackURL.startsWith(`${redirectURI}?code=`)).toBe(true);

		// 3. The callback route checks the state cookie and exchanges the code.
		const { tokens, clearStateCookie } = await validateLoginCallback(
			atlassian,
			new Request(callbackURL, { headers: { Cookie: stateCookie } }),
		);
		expect(clearStateCookie).toContain("Max-Age=0");
		expect(tokens.hasRefreshToken()).toBe(true);

		// 4. Who signed in, which sites, and a Jira call through the gateway.
		const accessToken = tokens.accessToken();
		expect((await atlassian.getUser(accessToken)).account_id).toBe(DEFAULT_USER.profile.account_id);
		const [site] = await atlassian.getAccessibleResources(accessToken);
		expect(site?.id).toBe(DEFAULT_SITE.id);
		const myself = (await atlassian.getResource(accessToken, createGatewayURL(atlassian, "jira", site?.id ?? "", "rest/api/3/myself"))) as {
			accountId: string;
		};
		expect(myself.accountId).toBe(DEFAULT_USER.profile.account_id);
	});
});
