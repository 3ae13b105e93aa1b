import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import {
	ArcticFetchError,
	Atlassian,
	OAuth2Client,
	OAuth2RequestError,
	OAuth2Tokens,
	UnexpectedErrorResponseBodyError,
	UnexpectedResponseError,
} from "../../src/index.js";
import { useMswServer } from "../support/msw.js";
import { rejection } from "../support/rejection.js";

const server = useMswServer();
const SECRET = "s3cr3t-Xy9_client-secret";
const TOKEN_ENDPOINT = "https://idp.example/token";

type TokenCall = { name: string; endpoint: string; call: () => Promise<unknown> };

const atlassian = new Atlassian("client-id", SECRET, "https://app.example/callback");
const generic = new OAuth2Client("client-id", SECRET, "https://app.example/callback");

const tokenCalls: TokenCall[] = [
	{
		name: "Atlassian.validateAuthorizationCode",
		endpoint: atlassian.tokenEndpoint,
		call: () => atlassian.validateAuthorizationCode("code"),
	},
	{ name: "Atlassian.refreshAccessToken", endpoint: atlassian.tokenEndpoint, call: () => atlassian.refreshAccessToken("refresh") },
	{
		name: "OAuth2Client.validateAuthorizationCode",
		endpoint: TOKEN_ENDPOINT,
		call: () => generic.validateAuthorizationCode(TOKEN_ENDPOINT, "code", null),
	},
	{
		name: "OAuth2Client.refreshAccessToken",
		endpoint: TOKEN_ENDPOINT,
		call: () => generic.refreshAccessToken(TOKEN_ENDPOINT, "refresh", []),
	},
];
const revocationCall: TokenCall = {
	name: "OAuth2Client.revokeToken",
	endpoint: TOKEN_ENDPOINT,
	call: () => generic.revokeToken(TOKEN_ENDPOINT, "t"),
};
const allCalls = [...tokenCalls, revocationCall];

function respond(endpoint: string, response: () => Response) {
	server.use(http.post(endpoint, () => response()));
}

describe.each(tokenCalls)("$name: success", ({ endpoint, call }) => {
	it("200 with a JSON object holding a string access_token → OAuth2Tokens", async () => {
		respond(endpoint, () => HttpResponse.json({ access_token: "at", token_type: "Bearer", expires_in: 3600, refresh_token: "rt" }));
		const tokens = (await call()) as OAuth2Tokens;
		expect(tokens).toBeInstanceOf(OAuth2Tokens);
		expect(tokens.accessToken()).toBe("at");
		expect(tokens.refreshToken()).toBe("rt");
	});

	it("parses JSON whatever the content type says", async () => {
		respond(endpoint, () => new HttpResponse('{"access_token":"at"}', { status: 200, headers: { "Content-Type": "text/plain" } }));
		expect(((await call()) as OAuth2Tokens).accessToken()).toBe("at");
	});
});

describe.each(tokenCalls)("$name: 200 of the wrong shape", ({ endpoint, call }) => {
	it.each([
		["an array", []],
		["null", null],
		["an object without access_token", { token_type: "Bearer" }],
		["a non-string access_token", { access_token: 42 }],
		["a number", 12],
	])("%s → UnexpectedErrorResponseBodyError", async (_, body) => {
		respond(endpoint, () => HttpResponse.json(body));
		const error = await rejection(call);
		expect(error).toBeInstanceOf(UnexpectedErrorResponseBodyError);
		expect(error).toMatchObject({ status: 200, data: body });
	});

	it.each([
		["HTML", "<html>Sign in</html>"],
		["empty", ""],
	])("%s body → UnexpectedResponseError", async (_, body) => {
		respond(endpoint, () => new HttpResponse(body, { status: 200, headers: { "Content-Type": "text/html" } }));
		const error = await rejection(call);
		expect(error).toBeInstanceOf(UnexpectedResponseError);
		expect(error).toMatchObject({ status: 200 });
	});
});

describe.each(allCalls)("$name: errors", ({ endpoint, call }) => {
	it.each([400, 401, 403, 404, 429, 500, 503, 599])(
		"HTTP %i with an OAuth error body → OAuth2RequestError with the status",
		async (status) => {
			respond(endpoint, () =>
				HttpResponse.json(
					{ error: "invalid_grant", error_description: "Unknown or invalid refresh token.", error_uri: "https://doc.example", state: "st" },
					{ status },
				),
			);
			const error = (await rejection(call)) as OAuth2RequestError;
			expect(error).toBeInstanceOf(OAuth2RequestError);
			expect(error.name).toBe("OAuth2RequestError");
			expect(error.code).toBe("invalid_grant");
			expect(error.description).toBe("Unknown or invalid refresh token.");
			expect(error.uri).toBe("https://doc.example");
			expect(error.state).toBe("st");
			expect(error.status).toBe(status);
			expect(error.message).toContain("invalid_grant");
		},
	);

	it("Atlassian's 403 invalid_grant without optional fields → OAuth2RequestError with null fields", async () => {
		respond(endpoint, () => HttpResponse.json({ error: "invalid_grant" }, { status: 403 }));
		const error = (await rejection(call)) as OAuth2RequestError;
		expect(error).toBeInstanceOf(OAuth2RequestError);
		expect([error.code, error.description, error.uri, error.state, error.status]).toEqual(["invalid_grant", null, null, null, 403]);
	});

	it.each([
		["no error field", { message: "nope" }],
		["a non-string error", { error: 1 }],
		["an empty error", { error: "" }],
		["a non-string error_description", { error: "invalid_grant", error_description: 5 }],
		["a non-string error_uri", { error: "invalid_grant", error_uri: {} }],
		["a non-string state", { error: "invalid_grant", state: null }],
		["an array", [{ error: "invalid_grant" }]],
		["null", null],
	])("JSON error body with %s → UnexpectedErrorResponseBodyError", async (_, body) => {
		respond(endpoint, () => HttpResponse.json(body, { status: 400 }));
		const error = await rejection(call);
		expect(error).toBeInstanceOf(UnexpectedErrorResponseBodyError);
		expect(error).toMatchObject({ status: 400, data: body });
	});

	it.each([
		[500, "<html>Internal error</html>"],
		[502, ""],
		[403, "Forbidden"],
	])("HTTP %i with a non-JSON or empty body → UnexpectedResponseError", async (status, body) => {
		respond(endpoint, () => new HttpResponse(body, { status }));
		const error = await rejection(call);
		expect(error).toBeInstanceOf(UnexpectedResponseError);
		expect(error).toMatchObject({ status });
	});

	it.each([201, 204, 301, 302, 307, 308])("HTTP %i → UnexpectedResponseError, and a redirect is never followed", async (status) => {
		let followed = false;
		server.use(
			http.post(
				endpoint,
				() =>
					new HttpResponse(JSON.stringify({ error: "x", access_token: "a" }), {
						status,
						headers: { Location: "https://evil.example/steal" },
					}),
			),
			http.all("https://evil.example/steal", () => {
				followed = true;
				return HttpResponse.json({ access_token: "stolen" });
			}),
		);
		const error = await rejection(call);
		expect(error).toBeInstanceOf(UnexpectedResponseError);
		expect(error).toMatchObject({ status });
		expect(followed).toBe(false);
	});

	it("a fetch that rejects → ArcticFetchError with the original reason as cause", async () => {
		respond(endpoint, () => HttpResponse.error());
		const error = (await rejection(call)) as ArcticFetchError;
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect(error.name).toBe("ArcticFetchError");
		expect(error.cause).toBeInstanceOf(TypeError);
	});
});

describe("revokeToken", () => {
	it("resolves void on 200 whatever the body", async () => {
		let body = "";
		server.use(
			http.post(TOKEN_ENDPOINT, async ({ request }) => {
				body = await request.text();
				return new HttpResponse("", { status: 200 });
			}),
		);
		await expect(generic.revokeToken(TOKEN_ENDPOINT, "token-to-revoke")).resolves.toBeUndefined();
		expect(new URLSearchParams(body).get("token")).toBe("token-to-revoke");
	});
});
