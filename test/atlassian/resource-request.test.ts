import { inspect } from "node:util";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import {
	ArcticFetchError,
	Atlassian,
	AtlassianAPIError,
	AtlassianScopeError,
	AtlassianScopes,
	createGatewayURL,
	OAuth2RequestError,
	UnexpectedErrorResponseBodyError,
	UnexpectedResponseError,
} from "../../src/index.js";
import { useMswServer } from "../support/msw.js";
import { rejection } from "../support/rejection.js";

const server = useMswServer();
const TOKEN = "eyJ-access-token-value";
const CLOUD_ID = "1324a887-45db-1bf4-1e99-ef0ff456d421";
const atlassian = new Atlassian("client-id", "client-secret", "https://app.example/callback");

const user = {
	account_type: "atlassian",
	account_id: "112233aa-bb11-cc22-33dd-445566abcabc",
	email: "mia@example.com",
	name: "Mia Krystof",
	picture: "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/112233aa/1234abcd-9876/128",
	account_status: "active",
	nickname: "mkrystof",
	zoneinfo: "Australia/Sydney",
	locale: "en-US",
	extended_profile: { job_title: "Designer", organization: "mia@example.com", department: "Design team", location: "Sydney" },
};
const sites = [
	{
		id: CLOUD_ID,
		name: "Site name",
		url: "https://your-domain.atlassian.net",
		scopes: ["write:jira-work", "read:jira-user"],
		avatarUrl: "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/flag.png",
	},
];

describe("getUser", () => {
	it("GETs /me with the bearer token and returns the validated profile", async () => {
		let authorization: string | null = null;
		server.use(
			http.get("https://api.atlassian.com/me", ({ request }) => {
				authorization = request.headers.get("authorization");
				return HttpResponse.json(user);
			}),
		);
		expect(await atlassian.getUser(TOKEN)).toEqual(user);
		expect(authorization).toBe(`Bearer ${TOKEN}`);
	});

	it("accepts a profile without the optional fields", async () => {
		const { email: _e, nickname: _n, zoneinfo: _z, locale: _l, extended_profile: _x, ...minimal } = user;
		server.use(http.get("https://api.atlassian.com/me", () => HttpResponse.json(minimal)));
		expect(await atlassian.getUser(TOKEN)).toEqual(minimal);
	});

	it.each([
		["a missing account_id", { ...user, account_id: undefined }],
		["a numeric name", { ...user, name: 7 }],
		["a non-string email", { ...user, email: null }],
		["a non-object extended_profile", { ...user, extended_profile: "x" }],
		["an array", [user]],
	])("refuses a body with %s", async (_, body) => {
		server.use(http.get("https://api.atlassian.com/me", () => HttpResponse.json(body)));
		const error = await rejection(atlassian.getUser(TOKEN));
		expect(error).toBeInstanceOf(UnexpectedErrorResponseBodyError);
	});

	it("uses Government Cloud's gateway", async () => {
		server.use(http.get("https://api.atlassian-us-gov-mod.com/me", () => HttpResponse.json(user)));
		const gov = new Atlassian("id", "secret", "https://app.example/callback", { cloud: "us-gov-mod" });
		expect((await gov.getUser(TOKEN)).account_id).toBe(user.account_id);
	});
});

describe("getAccessibleResources", () => {
	it("returns the sites with their cloud ids", async () => {
		server.use(http.get("https://api.atlassian.com/oauth/token/accessible-resources", () => HttpResponse.json(sites)));
		const resources = await atlassian.getAccessibleResources(TOKEN);
		expect(resources).toEqual(sites);
		expect(resources[0]?.id).toBe(CLOUD_ID);
	});

	it.each([
		["an object", { sites }],
		["a site without an id", [{ ...sites[0], id: undefined }]],
		["non-string scopes", [{ ...sites[0], scopes: [1] }]],
		["scopes that are not a list", [{ ...sites[0], scopes: "read:me" }]],
	])("refuses %s", async (_, body) => {
		server.use(http.get("https://api.atlassian.com/oauth/token/accessible-resources", () => HttpResponse.json(body)));
		expect(await rejection(atlassian.getAccessibleResources(TOKEN))).toBeInstanceOf(UnexpectedErrorResponseBodyError);
	});
});

describe("API errors", () => {
	it.each([
		[401, { code: 401, message: "Unauthorized" }],
		[403, { code: 403, message: "Unauthorized; scope does not match" }],
		[404, { errorMessages: ["Issue does not exist"] }],
		[500, null],
	])("HTTP %i → AtlassianAPIError with status and data", async (status, body) => {
		server.use(
			http.get("https://api.atlassian.com/me", () =>
				body === null ? new HttpResponse("<html>oops</html>", { status }) : HttpResponse.json(body, { status }),
			),
		);
		const error = (await rejection(atlassian.getUser(TOKEN))) as AtlassianAPIError;
		expect(error).toBeInstanceOf(AtlassianAPIError);
		expect(error.name).toBe("AtlassianAPIError");
		expect(error.status).toBe(status);
		expect(error.data).toEqual(body);
	});

	it("401, 403 and 429 say what to do", async () => {
		server.use(http.get("https://api.atlassian.com/me", () => HttpResponse.json({}, { status: 401 })));
		expect((await rejection(atlassian.getUser(TOKEN))).message).toMatch(/expired or invalid; refresh it and retry once/);
		server.use(http.get("https://api.atlassian.com/me", () => HttpResponse.json({}, { status: 403 })));
		expect((await rejection(atlassian.getUser(TOKEN))).message).toMatch(/lacks permission/);
		server.use(http.get("https://api.atlassian.com/me", () => HttpResponse.json({}, { status: 429, headers: { "Retry-After": "7" } })));
		expect((await rejection(atlassian.getUser(TOKEN))).message).toMatch(/rate limited; retry after 7 s/);
	});

	it("the scope-mismatch 401 is an AtlassianScopeError, by its header or by its message, and never says refresh", async () => {
		const scopeBody = { code: 401, message: "Unauthorized; scope does not match" };
		server.use(
			http.get("https://api.atlassian.com/me", () =>
				HttpResponse.json(scopeBody, { status: 401, headers: { "X-Failure-Category": "FAILURE_CLIENT_SCOPE_CHECK" } }),
			),
		);
		const byHeader = (await rejection(atlassian.getUser(TOKEN))) as AtlassianScopeError;
		expect(byHeader).toBeInstanceOf(AtlassianScopeError);
		expect(byHeader).toBeInstanceOf(AtlassianAPIError);
		expect(byHeader).toMatchObject({ name: "AtlassianScopeError", status: 401, data: scopeBody });
		expect(byHeader.message).toMatch(/refreshing will not help/);
		server.use(http.get("https://api.atlassian.com/me", () => HttpResponse.json(scopeBody, { status: 401 })));
		expect(await rejection(atlassian.getUser(TOKEN))).toBeInstanceOf(AtlassianScopeError);
		server.use(http.get("https://api.atlassian.com/me", () => HttpResponse.json({ code: 401, message: "Unauthorized" }, { status: 401 })));
		expect(await rejection(atlassian.getUser(TOKEN))).not.toBeInstanceOf(AtlassianScopeError);
	});

	it("a 429 carries Retry-After and the rate-limit headers as typed fields", async () => {
		server.use(
			http.get(
				"https://api.atlassian.com/me",
				() =>
					new HttpResponse(null, {
						status: 429,
						headers: {
							"Retry-After": "12",
							"X-RateLimit-Limit": "100",
							"X-RateLimit-Remaining": "0",
							"X-RateLimit-Reset": "2026-11-25T10:15Z",
							"RateLimit-Reason": "jira-burst-based",
						},
					}),
			),
		);
		const error = (await rejection(atlassian.getUser(TOKEN))) as AtlassianAPIError;
		expect(error).toMatchObject({
			status: 429,
			data: null,
			retryAfterSeconds: 12,
			rateLimit: { limit: 100, remaining: 0, reset: "2026-11-25T10:15Z", reason: "jira-burst-based" },
		});
		server.use(http.get("https://api.atlassian.com/me", () => HttpResponse.json({}, { status: 500 })));
		expect(await rejection(atlassian.getUser(TOKEN))).toMatchObject({
			retryAfterSeconds: null,
			rateLimit: { limit: null, remaining: null, reset: null, reason: null },
		});
	});

	it("never follows a redirect with the bearer token", async () => {
		let followed = false;
		server.use(
			http.get(
				"https://api.atlassian.com/me",
				() => new HttpResponse(null, { status: 302, headers: { Location: "https://evil.example/me" } }),
			),
			http.get("https://evil.example/me", () => {
				followed = true;
				return HttpResponse.json(user);
			}),
		);
		expect(await rejection(atlassian.getUser(TOKEN))).toBeInstanceOf(UnexpectedResponseError);
		expect(followed).toBe(false);
	});

	it("keeps the access token out of errors that echo it", async () => {
		server.use(http.get("https://api.atlassian.com/me", () => HttpResponse.json({ message: `bad token ${TOKEN}` }, { status: 401 })));
		const error = (await rejection(atlassian.getUser(TOKEN))) as AtlassianAPIError;
		expect(error.data).toEqual({ message: "bad token [REDACTED]" });
		expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
		server.use(http.get("https://api.atlassian.com/me", () => HttpResponse.json({ echoed: TOKEN })));
		expect(inspect(await rejection(atlassian.getUser(TOKEN)), { depth: 10 })).not.toContain(TOKEN);
	});

	it("times out like token requests", async () => {
		const slow = new Atlassian("id", "secret", "https://app.example/callback", {
			timeoutMs: 50,
			fetch: () => new Promise<Response>(() => {}),
		});
		expect(await rejection(slow.getAccessibleResources(TOKEN))).toBeInstanceOf(ArcticFetchError);
	});
});

describe("createGatewayURL and getResource", () => {
	it("builds Jira and Confluence gateway URLs with encoded segments and a query", () => {
		expect(createGatewayURL(atlassian, "jira", CLOUD_ID, "/rest/api/3/myself").href).toBe(
			`https://api.atlassian.com/ex/jira/${CLOUD_ID}/rest/api/3/myself`,
		);
		expect(createGatewayURL(atlassian, "confluence", CLOUD_ID, "wiki/api/v2/spaces", { limit: 5 }).href).toBe(
			`https://api.atlassian.com/ex/confluence/${CLOUD_ID}/wiki/api/v2/spaces?limit=5`,
		);
		expect(createGatewayURL("https://api.atlassian.com/", "jira", CLOUD_ID, "rest/api/3/issue/A B?x#y").pathname).toBe(
			`/ex/jira/${CLOUD_ID}/rest/api/3/issue/A%20B%3Fx%23y`,
		);
	});

	it("honours Government Cloud", () => {
		const gov = new Atlassian("id", "secret", "https://app.example/callback", { cloud: "us-gov-mod" });
		expect(createGatewayURL(gov, "jira", CLOUD_ID, "rest/api/3/myself").origin).toBe("https://api.atlassian-us-gov-mod.com");
	});

	it.each([
		["an empty cloud id", "jira", "", "rest/api/3/myself"],
		["a site URL as cloud id", "jira", "your-domain.atlassian.net", "rest/api/3/myself"],
		["a cloud id with a slash", "jira", `${CLOUD_ID}/x`, "rest"],
		["a product with a slash", "jira/x", CLOUD_ID, "rest"],
		["a .. segment", "jira", CLOUD_ID, "rest/../../other"],
	])("rejects %s", (_, product, cloudId, path) => {
		expect(() => createGatewayURL(atlassian, product, cloudId, path)).toThrow(TypeError);
	});

	it("getResource GETs a gateway URL with the bearer token", async () => {
		server.use(
			http.get(`https://api.atlassian.com/ex/jira/${CLOUD_ID}/rest/api/3/project/search`, ({ request }) =>
				HttpResponse.json({ values: [{ key: "ENG" }], auth: request.headers.get("authorization") }),
			),
		);
		const page = await atlassian.getResource(TOKEN, createGatewayURL(atlassian, "jira", CLOUD_ID, "rest/api/3/project/search"));
		expect(page).toEqual({ values: [{ key: "ENG" }], auth: `Bearer ${TOKEN}` });
	});

	it("getResource returns null for a 204", async () => {
		server.use(http.get(`https://api.atlassian.com/ex/jira/${CLOUD_ID}/rest/api/3/nothing`, () => new HttpResponse(null, { status: 204 })));
		expect(await atlassian.getResource(TOKEN, createGatewayURL(atlassian, "jira", CLOUD_ID, "rest/api/3/nothing"))).toBeNull();
	});

	it.each([
		["another origin", "https://evil.example/ex/jira/x"],
		["the site's own host", "https://your-domain.atlassian.net/rest/api/3/myself"],
		["plain http on the gateway host", "http://api.atlassian.com/me"],
		["a look-alike host", "https://api.atlassian.com.evil.example/me"],
		["user info", "https://user@api.atlassian.com/me"],
		["another port", "https://api.atlassian.com:8443/me"],
	])("getResource refuses %s with a TypeError and sends nothing", async (_, url) => {
		let sent = 0;
		const counting = new Atlassian("id", "secret", "https://app.example/callback", {
			fetch: async () => {
				sent++;
				return HttpResponse.json({});
			},
		});
		const error = await rejection(counting.getResource(TOKEN, url));
		expect(error).toBeInstanceOf(TypeError);
		expect((error as Error).message).toMatch(/Refusing to send an Atlassian access token/);
		expect((error as Error).message).not.toContain(TOKEN);
		expect(sent).toBe(0);
	});
});

describe("scopes", () => {
	it("exports the common scopes and accepts any string", () => {
		expect(AtlassianScopes.READ_ME).toBe("read:me");
		expect(AtlassianScopes.OFFLINE_ACCESS).toBe("offline_access");
		expect(AtlassianScopes.JIRA.READ_WORK).toBe("read:jira-work");
		expect(AtlassianScopes.CONFLUENCE.READ_USER).toBe("read:confluence-user");
		const url = atlassian.createAuthorizationURL("s", [AtlassianScopes.READ_ME, "read:jira-work", "some:future-scope"]);
		expect(url.searchParams.get("scope")).toBe("read:me read:jira-work some:future-scope");
	});
});

describe("OAuth2RequestError is still what token errors are", () => {
	it("is distinct from AtlassianAPIError", () => {
		expect(new AtlassianAPIError(401, null)).not.toBeInstanceOf(OAuth2RequestError);
	});
});
