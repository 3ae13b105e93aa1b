import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import {
	Atlassian,
	AuthorizationCallbackError,
	clearLoginStateCookie,
	createLoginResponse,
	OAuth2RequestError,
	validateLoginCallback,
} from "../src/index.js";
import { useMswServer } from "./support/msw.js";
import { rejection } from "./support/rejection.js";

const server = useMswServer();
const atlassian = new Atlassian("client-id", "client-secret", "https://app.example/login/atlassian/callback");

function cookieAttributes(setCookie: string) {
	const [pair = "", ...attributes] = setCookie.split("; ");
	return { pair, attributes };
}

describe("createLoginResponse", () => {
	it("redirects to the consent page and stores the same state in a locked-down cookie", () => {
		const response = createLoginResponse(atlassian, ["read:me", "offline_access"]);
		expect(response.status).toBe(302);
		expect(response.headers.get("cache-control")).toBe("no-store");
		const location = new URL(response.headers.get("location") ?? "");
		expect(location.origin + location.pathname).toBe("https://auth.atlassian.com/authorize");
		expect(location.searchParams.get("scope")).toBe("read:me offline_access");
		const { pair, attributes } = cookieAttributes(response.headers.get("set-cookie") ?? "");
		expect(pair).toBe(`atlassian_oauth_state=${location.searchParams.get("state")}`);
		expect(attributes).toEqual(["Path=/login/atlassian/callback", "Max-Age=600", "HttpOnly", "SameSite=Lax", "Secure"]);
	});

	it("drops Secure only for an http redirect URI on localhost, and honours options", () => {
		const local = new Atlassian("id", "secret", "http://localhost:3000/callback");
		expect(createLoginResponse(local, []).headers.get("set-cookie")).not.toContain("Secure");
		const custom =
			createLoginResponse(atlassian, [], { cookieName: "st", cookiePath: "/", maxAgeSeconds: 60 }).headers.get("set-cookie") ?? "";
		expect(custom).toMatch(/^st=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=60; HttpOnly; SameSite=Lax; Secure$/);
		const remoteHttp = new Atlassian("id", "secret", "http://app.example/callback");
		expect(createLoginResponse(remoteHttp, []).headers.get("set-cookie")).toContain("Secure");
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
			callbackRequest(`?code=abc&state=${state}`, `other=1; atlassian_oauth_state=${state}`),
		);
		expect(code).toBe("abc");
		expect(result.tokens.accessToken()).toBe("at");
		expect(result.clearStateCookie).toBe(
			"atlassian_oauth_state=; Path=/login/atlassian/callback; Max-Age=0; HttpOnly; SameSite=Lax; Secure",
		);
		expect(clearLoginStateCookie(atlassian)).toBe(result.clearStateCookie);
	});

	it("refuses a tampered state without calling the token endpoint", async () => {
		const error = await rejection(
			validateLoginCallback(atlassian, callbackRequest("?code=abc&state=forged", "atlassian_oauth_state=genuine")),
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
				callbackRequest("?error=access_denied&error_description=declined&state=s1", "atlassian_oauth_state=s1"),
			),
		);
		expect(error).toBeInstanceOf(OAuth2RequestError);
		expect((error as OAuth2RequestError).code).toBe("access_denied");
	});
});
