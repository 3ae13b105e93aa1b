import { describe, expect, it } from "vitest";
import {
	ArcticFetchError,
	type Atlassian,
	AtlassianAPIError,
	type AtlassianOptions,
	AtlassianScopeError,
	createGatewayURL,
	isReauthorizationRequired,
	OAuth2RequestError,
	UnexpectedResponseError,
} from "../../src/index.js";
import { type AtlassianEmulator, DEFAULT_CLIENT, DEFAULT_SITE, DEFAULT_USER } from "../../src/testing/index.js";
import { rejection } from "../support/rejection.js";

export const REDIRECT_URI = DEFAULT_CLIENT.redirectURIs[0] as string;
const ALL_SCOPES = [
	"read:me",
	"offline_access",
	"read:jira-work",
	"write:jira-work",
	"read:jira-user",
	"read:space:confluence",
	"read:page:confluence",
];

export interface EmulatorFixture {
	emulator: AtlassianEmulator;
	/** An Atlassian client pointed at this emulator (msw: the real hosts; server: `hosts`). */
	atlassian(options?: Partial<AtlassianOptions> & { clientSecret?: string; redirectURI?: string }): Atlassian;
}

/** The gateway origin a client talks to (msw: Atlassian's; loopback: the emulator's). */
function gatewayOf(client: Atlassian): string {
	return client.apiGateway;
}

/** The same behaviour, whichever way the emulator is reached (msw or a loopback port). */
export function emulatorScenarios(fixture: () => EmulatorFixture) {
	async function signIn(scopes = ALL_SCOPES) {
		const { emulator, atlassian } = fixture();
		const code = emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes });
		const client = atlassian();
		return { client, tokens: await client.validateAuthorizationCode(code), emulator };
	}

	describe("sign-in and APIs", () => {
		it("exchanges a code and serves the user, the sites and the gateway APIs", async () => {
			const { client, tokens } = await signIn();
			expect(tokens.tokenType()).toBe("Bearer");
			expect(tokens.accessTokenExpiresInSeconds()).toBe(3600);
			expect(tokens.hasRefreshToken()).toBe(true);
			expect(tokens.scopes()).toEqual(ALL_SCOPES);
			const accessToken = tokens.accessToken();
			expect(await client.getUser(accessToken)).toEqual(DEFAULT_USER.profile);
			const sites = await client.getAccessibleResources(accessToken);
			expect(sites).toEqual([
				{
					id: DEFAULT_SITE.id,
					url: DEFAULT_SITE.url,
					name: DEFAULT_SITE.name,
					avatarUrl: DEFAULT_SITE.avatarUrl,
					scopes: ["read:jira-work", "write:jira-work", "read:jira-user", "read:space:confluence", "read:page:confluence"],
				},
			]);
			const projects = (await client.getResource(
				accessToken,
				createGatewayURL(client, "jira", DEFAULT_SITE.id, "rest/api/3/project/search"),
			)) as {
				values: { key: string }[];
				total: number;
			};
			expect(projects.values.map((project) => project.key)).toEqual(["ENG", "OPS", "MKT"]);
			expect(projects.total).toBe(3);
			const myself = (await client.getResource(accessToken, createGatewayURL(client, "jira", DEFAULT_SITE.id, "rest/api/3/myself"))) as {
				accountId: string;
			};
			expect(myself.accountId).toBe(DEFAULT_USER.profile.account_id);
			const spaces = (await client.getResource(
				accessToken,
				createGatewayURL(client, "confluence", DEFAULT_SITE.id, "wiki/api/v2/spaces"),
			)) as {
				results: { key: string }[];
			};
			expect(spaces.results.map((space) => space.key)).toEqual(["DOCS", "~mia"]);
		});

		it("gives no refresh token without offline_access", async () => {
			const { tokens } = await signIn(["read:me"]);
			expect(tokens.hasRefreshToken()).toBe(false);
		});

		it("codes are single-use", async () => {
			const { emulator, atlassian } = fixture();
			const code = emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ALL_SCOPES });
			const client = atlassian();
			const first = await client.validateAuthorizationCode(code);
			const error = await rejection(client.validateAuthorizationCode(code));
			expect(error).toBeInstanceOf(OAuth2RequestError);
			expect(error).toMatchObject({ code: "invalid_grant", status: 403 });
			// The replay also revoked what the code issued.
			expect(await rejection(client.getUser(first.accessToken()))).toMatchObject({ status: 401 });
		});

		it("codes are bound to their redirect_uri", async () => {
			const { emulator, atlassian } = fixture();
			const code = emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ALL_SCOPES });
			const error = await rejection(atlassian({ redirectURI: "http://localhost:3000/other" }).validateAuthorizationCode(code));
			expect(error).toMatchObject({ code: "invalid_grant", status: 403 });
		});

		it("a wrong client secret is 401 access_denied, which is not the user's problem", async () => {
			const { emulator, atlassian } = fixture();
			const code = emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ALL_SCOPES });
			const error = await rejection(atlassian({ clientSecret: "wrong" }).validateAuthorizationCode(code));
			expect(error).toBeInstanceOf(OAuth2RequestError);
			expect(error).toMatchObject({ code: "access_denied", status: 401 });
			expect(isReauthorizationRequired(error)).toBe(false);
		});
	});

	describe("tokens", () => {
		it("refresh tokens rotate, and reusing a spent one outside the reuse interval revokes the whole grant", async () => {
			const { client, tokens, emulator } = await signIn();
			const refreshed = await client.refreshAccessToken(tokens.refreshToken());
			expect(refreshed.refreshToken()).not.toBe(tokens.refreshToken());
			expect(emulator.isRefreshTokenCurrent(refreshed.refreshToken())).toBe(true);
			expect(await client.getUser(refreshed.accessToken())).toMatchObject({ name: DEFAULT_USER.profile.name });
			emulator.advanceTime(10 * 60 * 1000);
			const reuse = await rejection(client.refreshAccessToken(tokens.refreshToken()));
			expect(reuse).toMatchObject({ code: "invalid_grant", status: 403 });
			expect(isReauthorizationRequired(reuse)).toBe(true);
			expect(await rejection(client.refreshAccessToken(refreshed.refreshToken()))).toMatchObject({ code: "invalid_grant" });
			expect(await rejection(client.getUser(refreshed.accessToken()))).toMatchObject({ status: 401 });
			expect(emulator.refreshStats).toEqual({ rotations: 1, reuses: 0, revocations: 1 });
		});

		it("inside the 10-minute reuse interval the previous refresh token buys a new pair, and the pair it replaced is superseded", async () => {
			const { client, tokens, emulator } = await signIn();
			const lost = await client.refreshAccessToken(tokens.refreshToken()); // as if this answer never arrived
			emulator.advanceTime(9 * 60 * 1000);
			const again = await client.refreshAccessToken(tokens.refreshToken());
			expect(again.refreshToken()).not.toBe(lost.refreshToken());
			expect(emulator.isRefreshTokenCurrent(again.refreshToken())).toBe(true);
			expect(emulator.isRefreshTokenCurrent(lost.refreshToken())).toBe(false);
			expect((await client.refreshAccessToken(again.refreshToken())).accessToken()).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/);
			expect(emulator.refreshStats).toEqual({ rotations: 2, reuses: 1, revocations: 0 });
		});

		it("a superseded refresh token (issued before a reuse) revokes the grant when used", async () => {
			const { client, tokens, emulator } = await signIn();
			const lost = await client.refreshAccessToken(tokens.refreshToken());
			const again = await client.refreshAccessToken(tokens.refreshToken());
			expect(await rejection(client.refreshAccessToken(lost.refreshToken()))).toMatchObject({ code: "invalid_grant", status: 403 });
			expect(emulator.isRefreshTokenCurrent(again.refreshToken())).toBe(false);
		});

		it("refresh tokens die 365 days after consent, however often they were used", async () => {
			const { client, tokens, emulator } = await signIn();
			let refreshToken = tokens.refreshToken();
			for (let month = 0; month < 12; month++) {
				emulator.advanceTime(30 * 24 * 3600 * 1000);
				refreshToken = (await client.refreshAccessToken(refreshToken)).refreshToken();
			}
			emulator.advanceTime(6 * 24 * 3600 * 1000);
			expect(await rejection(client.refreshAccessToken(refreshToken))).toMatchObject({ code: "invalid_grant", status: 403 });
		});

		it("access tokens expire on the emulator's clock", async () => {
			const { client, tokens, emulator } = await signIn();
			emulator.advanceTime(3601 * 1000);
			const error = await rejection(client.getUser(tokens.accessToken()));
			expect(error).toBeInstanceOf(AtlassianAPIError);
			expect((error as AtlassianAPIError).status).toBe(401);
			const refreshed = await client.refreshAccessToken(tokens.refreshToken());
			expect((await client.getUser(refreshed.accessToken())).account_id).toBe(DEFAULT_USER.profile.account_id);
		});

		it("refresh tokens die after 90 days unused", async () => {
			const { client, tokens, emulator } = await signIn();
			emulator.advanceTime(91 * 24 * 3600 * 1000);
			expect(await rejection(client.refreshAccessToken(tokens.refreshToken()))).toMatchObject({ code: "invalid_grant", status: 403 });
		});

		it("a missing scope is Atlassian's scope-mismatch 401, with its failure category", async () => {
			const { client, tokens, emulator } = await signIn(["read:jira-user", "read:confluence-space.summary", "offline_access"]);
			const me = await rejection(client.getUser(tokens.accessToken()));
			expect(me).toBeInstanceOf(AtlassianScopeError);
			const projects = await rejection(
				client.getResource(tokens.accessToken(), createGatewayURL(client, "jira", DEFAULT_SITE.id, "rest/api/3/project/search")),
			);
			expect(projects).toMatchObject({ name: "AtlassianScopeError", status: 401, data: { message: "Unauthorized; scope does not match" } });
			// Confluence v2 takes granular scopes only: the classic one does not admit it.
			const spaces = await rejection(
				client.getResource(tokens.accessToken(), createGatewayURL(client, "confluence", DEFAULT_SITE.id, "wiki/api/v2/spaces")),
			);
			expect(spaces).toBeInstanceOf(AtlassianScopeError);
			const raw = await fetch(new URL(`/ex/jira/${DEFAULT_SITE.id}/rest/api/3/project/search`, gatewayOf(client)), {
				headers: { Authorization: `Bearer ${tokens.accessToken()}` },
			});
			expect(raw.status).toBe(401);
			expect(raw.headers.get("x-failure-category")).toBe("FAILURE_CLIENT_SCOPE_CHECK");
			expect(emulator.requests.filter((request) => request.path === "/oauth/token")).toHaveLength(1);
		});

		it("an expired access token is a plain 401, without the scope category", async () => {
			const { client, tokens, emulator } = await signIn();
			emulator.advanceTime(3601 * 1000);
			const error = await rejection(
				client.getResource(tokens.accessToken(), createGatewayURL(client, "jira", DEFAULT_SITE.id, "rest/api/3/myself")),
			);
			expect(error).toBeInstanceOf(AtlassianAPIError);
			expect(error).not.toBeInstanceOf(AtlassianScopeError);
			expect(error).toMatchObject({ status: 401, data: { code: 401, message: "Unauthorized" } });
		});

		it("creates, reads, updates and deletes a Jira issue", async () => {
			const { client, tokens } = await signIn();
			const issues = createGatewayURL(client, "jira", DEFAULT_SITE.id, "rest/api/3/issue");
			const call = (url: URL, method: string, body?: unknown) =>
				fetch(url, {
					method,
					headers: { Authorization: `Bearer ${tokens.accessToken()}`, "Content-Type": "application/json" },
					body: body === undefined ? undefined : JSON.stringify(body),
				});
			const created = await call(issues, "POST", {
				fields: { project: { key: "ENG" }, summary: "From a test", issuetype: { name: "Bug" } },
			});
			expect(created.status).toBe(201);
			const { key } = (await created.json()) as { key: string };
			expect(key).toBe("ENG-6");
			const issue = createGatewayURL(client, "jira", DEFAULT_SITE.id, `rest/api/3/issue/${key}`);
			expect((await call(issue, "PUT", { fields: { summary: "Renamed" } })).status).toBe(204);
			expect(await client.getResource(tokens.accessToken(), issue)).toMatchObject({
				key,
				fields: { summary: "Renamed", issuetype: { name: "Bug" } },
			});
			expect((await call(issue, "DELETE")).status).toBe(204);
			expect(await rejection(client.getResource(tokens.accessToken(), issue))).toMatchObject({ status: 404 });
			const invalid = await call(issues, "POST", { fields: { project: { key: "NOPE" } } });
			expect(invalid.status).toBe(400);
			expect(await invalid.json()).toMatchObject({ errors: { project: expect.any(String), summary: expect.any(String) } });
		});

		it("rate-limits the product APIs with Retry-After and Atlassian's headers", async () => {
			const { client, tokens, emulator } = await signIn();
			emulator.setGatewayRateLimit({ limit: 2, windowSeconds: 30 });
			const myself = createGatewayURL(client, "jira", DEFAULT_SITE.id, "rest/api/3/myself");
			const get = () => fetch(myself, { headers: { Authorization: `Bearer ${tokens.accessToken()}` } });
			const first = await get();
			expect(first.status).toBe(200);
			expect(first.headers.get("x-ratelimit-remaining")).toBe("1");
			expect((await get()).status).toBe(200);
			const limited = await get();
			expect(limited.status).toBe(429);
			expect(Object.fromEntries(limited.headers)).toMatchObject({
				"retry-after": "30",
				"x-ratelimit-limit": "2",
				"x-ratelimit-remaining": "0",
				"ratelimit-reason": "jira-burst-based",
				"x-ratelimit-reset": expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\dZ$/),
			});
			emulator.advanceTime(30_000);
			expect((await get()).status).toBe(200);
			emulator.setGatewayRateLimit(null);
			expect((await get()).headers.get("x-ratelimit-limit")).toBeNull();
		});

		it("an unknown cloud id is 404", async () => {
			const { client, tokens } = await signIn();
			const error = await rejection(
				client.getResource(
					tokens.accessToken(),
					createGatewayURL(client, "jira", "00000000-0000-0000-0000-000000000000", "rest/api/3/myself"),
				),
			);
			expect(error).toMatchObject({ status: 404 });
		});
	});

	describe("faults", () => {
		it("can set headers and answer 204", async () => {
			const { client, tokens, emulator } = await signIn();
			emulator.injectFault({ pathPrefix: "/ex/", status: 204 });
			emulator.injectFault({ pathPrefix: "/ex/", status: 503, body: "{}", headers: { "Retry-After": "3" } });
			const url = createGatewayURL(client, "jira", DEFAULT_SITE.id, "rest/api/3/myself");
			expect(await client.getResource(tokens.accessToken(), url)).toBeNull();
			expect(await rejection(client.getResource(tokens.accessToken(), url))).toMatchObject({ status: 503, retryAfterSeconds: 3 });
		});

		it("serves injected 5xx, HTML error pages and slow responses once each", async () => {
			const { client, tokens, emulator } = await signIn();
			emulator.injectFault({ pathPrefix: "/oauth/token", status: 503, body: '{"error":"temporarily_unavailable"}' });
			expect(await rejection(client.refreshAccessToken(tokens.refreshToken()))).toMatchObject({
				code: "temporarily_unavailable",
				status: 503,
			});
			emulator.injectFault({ pathPrefix: "/oauth/token", status: 502, body: "<html>Bad gateway</html>", contentType: "text/html" });
			expect(await rejection(client.refreshAccessToken(tokens.refreshToken()))).toBeInstanceOf(UnexpectedResponseError);
			emulator.injectFault({ pathPrefix: "/me", delayMs: 1_000 });
			const impatient = fixture().atlassian({ timeoutMs: 100 });
			expect(await rejection(impatient.getUser(tokens.accessToken()))).toBeInstanceOf(ArcticFetchError);
			// The faults were consumed; the grant is intact.
			expect((await client.refreshAccessToken(tokens.refreshToken())).accessToken()).toMatch(/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/);
		});
	});
}
