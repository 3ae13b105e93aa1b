import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import {
	Atlassian,
	AuthorizationCallbackError,
	clearLoginStateCookie,
	createLoginResponse,
	isConsentDeclined,
	isReauthorizationRequired,
	OAuth2RequestError,
	validateLoginCallback,
} from "../../src/index.js";
import { useMswServer } from "../support/msw.js";
import { rejection } from "../support/rejection.js";

const server = useMswServer();
const atlassian = new Atlassian("client-id", "client-secret", "https://app.example/login/atlassian/callback");

function cookieAttributes(setCookie: string) {
	const [pair = "", ...attributes] = setCookie.split("; ");
	return { pair, attributes };
}

describe("createLoginResponse", () => {
	it("redirects to the consent page and stores the same state in a __Host- cookie, which no sibling subdomain can set", () => {
		const response = createLoginResponse(atlassian, ["read:me", "offline_access"]);
		expect(response.status).toBe(302);
		expect(response.headers.get("cache-control")).toBe("no-store");
		const location = new URL(response.headers.get("location") ?? "");
		expect(location.origin + location.pathname).toBe("https://auth.atlassian.com/authorize");
		expect(location.searchParams.get("scope")).toBe("read:me offline_access");
		const { pair, attributes } = cookieAttributes(response.headers.get("set-cookie") ?? "");
		expect(pair).toBe(`__Host-atlassian_oauth_state=${location.searchParams.get("state")}`);
		expect(attributes).toEqual(["Path=/", "Max-Age=600", "HttpOnly", "SameSite=Lax", "Secure"]);
	});

	it("drops Secure only for an http redirect URI on localhost, and honours options", () => {
		for (const host of ["localhost:3000", "127.0.0.2:3000", "[::1]:3000"]) {
			const local = new Atlassian("id", "secret", `http://${host}/callback`);
			expect(createLoginResponse(local, []).headers.get("set-cookie")).toMatch(
				/^atlassian_oauth_state=[A-Za-z0-9_-]{43}; Path=\/callback; Max-Age=600; HttpOnly; SameSite=Lax$/,
			);
		}
		const custom =
			createLoginResponse(atlassian, [], { cookieName: "st", cookiePath: "/", maxAgeSeconds: 60 }).headers.get("set-cookie") ?? "";
		expect(custom).toMatch(/^st=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=60; HttpOnly; SameSite=Lax; Secure$/);
		const remoteHttp = new Atlassian("id", "secret", "http://app.example/callback");
		expect(createLoginResponse(remoteHttp, []).headers.get("set-cookie")).toContain("Secure");
	});

	it.each([
		["a cookieName with =", { cookieName: "st=x" }, /cookieName must be a cookie-name token/],
		["a cookieName with ;", { cookieName: "st;Domain=evil.example" }, /cookieName must be a cookie-name token/],
		["a cookiePath with ;", { cookieName: "st", cookiePath: "/cb;Domain=evil.example" }, /Path must start with/],
		["a relative cookiePath", { cookieName: "st", cookiePath: "cb" }, /Path must start with/],
		["a __Host- cookie off /", { cookiePath: "/callback" }, /__Host- cookie must have Path=\//],
		["a __Host- cookie without Secure", { cookieName: "__Host-st", secure: false }, /must be Secure/],
		["maxAgeSeconds NaN", { maxAgeSeconds: Number.NaN }, /maxAgeSeconds must be a whole number/],
		["maxAgeSeconds -1", { maxAgeSeconds: -1 }, /maxAgeSeconds must be a whole number/],
		["maxAgeSeconds 1.5", { maxAgeSeconds: 1.5 }, /maxAgeSeconds must be a whole number/],
	])("refuses %s with a TypeError before anything reaches Set-Cookie", (_, options, message) => {
		expect(() => createLoginResponse(atlassian, [], options)).toThrow(message);
		expect(() => clearLoginStateCookie(atlassian, options)).toThrow(message);
	});

	it("refuses a redirect URI whose path would inject cookie attributes, unless cookiePath is set", () => {
		const injecting = new Atlassian("id", "secret", "http://localhost:3000/cb;Domain=evil.example");
		expect(() => createLoginResponse(injecting, [])).toThrow(/set cookiePath/);
		expect(createLoginResponse(injecting, [], { cookiePath: "/" }).headers.get("set-cookie")).toContain("Path=/;");
	});
});

describe("validateLoginCallback", () => {
	function callbackRequest(query: string, cookie: string | null) {
		const headers = new Headers();
		if (cookie !== null) headers.set("Cookie", cookie);
		return new Request(`https://app.example/login/atlassian/callback${query}`, { headers });
	}

	it("exchanges the code when the state cookie matches, and clears the cookie", async () => {
		let code: unknown;
		server.use(
			http.post("https://auth.atlassian.com/oauth/token", async ({ request }) => {
				code = ((await request.json()) as { code: string }).code;
				return HttpResponse.json({ access_token: "at", refresh_token: "rt", expires_in: 3600, token_type: "Bearer" });
			}),
		);
		const login = createLoginResponse(atlassian, ["read:me"]);
		const state = new URL(login.headers.get("location") ?? "").searchParams.get("state");
		const result = await validateLoginCallback(
			atlassian,
			callbackRequest(`?code=abc&state=${state}`, `other=1; __Host-atlassian_oauth_state=${state}`),
		);
		expect(code).toBe("abc");
		expect(result.tokens.accessToken()).toBe("at");
		expect(result.clearStateCookie).toBe("__Host-atlassian_oauth_state=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure");
		expect(clearLoginStateCookie(atlassian)).toBe(result.clearStateCookie);
	});

	it("refuses a tampered state without calling the token endpoint", async () => {
		const error = await rejection(
			validateLoginCallback(atlassian, callbackRequest("?code=abc&state=forged", "__Host-atlassian_oauth_state=genuine")),
		);
		expect(error).toBeInstanceOf(AuthorizationCallbackError);
		expect((error as AuthorizationCallbackError).reason).toBe("state_mismatch");
	});

	it("refuses a callback without the state cookie", async () => {
		const error = await rejection(validateLoginCallback(atlassian, callbackRequest("?code=abc&state=s", null)));
		expect((error as AuthorizationCallbackError).reason).toBe("missing_stored_state");
	});

	it("reports a declined consent as access_denied", async () => {
		const error = await rejection(
			validateLoginCallback(
				atlassian,
				callbackRequest("?error=access_denied&error_description=declined&state=s1", "__Host-atlassian_oauth_state=s1"),
			),
		);
		expect(error).toBeInstanceOf(OAuth2RequestError);
		expect((error as OAuth2RequestError).code).toBe("access_denied");
		expect(isConsentDeclined(error)).toBe(true);
	});

	it("refuses a Cookie header that carries the state cookie twice (cookie tossing), whichever comes first", async () => {
		let requests = 0;
		server.use(
			http.post("https://auth.atlassian.com/oauth/token", () => {
				requests++;
				return HttpResponse.json({ access_token: "at", token_type: "Bearer" });
			}),
		);
		for (const cookie of [
			"__Host-atlassian_oauth_state=attacker; __Host-atlassian_oauth_state=victim",
			"__Host-atlassian_oauth_state=victim; other=1; __Host-atlassian_oauth_state=attacker",
		]) {
			const error = await rejection(validateLoginCallback(atlassian, callbackRequest("?code=attackers-code&state=attacker", cookie)));
			expect(error).toBeInstanceOf(AuthorizationCallbackError);
			expect((error as AuthorizationCallbackError).reason).toBe("ambiguous_stored_state");
		}
		expect(requests).toBe(0);
	});

	it("a replayed callback (double submit, back button) is a spent code, not a declined consent", async () => {
		server.use(
			http.post("https://auth.atlassian.com/oauth/token", () =>
				HttpResponse.json({ error: "invalid_grant", error_description: "Invalid authorization code" }, { status: 403 }),
			),
		);
		const error = await rejection(
			validateLoginCallback(atlassian, callbackRequest("?code=spent&state=s1", "__Host-atlassian_oauth_state=s1")),
		);
		expect(error).toMatchObject({ code: "invalid_grant", status: 403 });
		expect(isConsentDeclined(error)).toBe(false);
		expect(isReauthorizationRequired(error)).toBe(true);
	});
});
