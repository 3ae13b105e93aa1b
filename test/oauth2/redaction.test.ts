import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { ArcticFetchError, Atlassian, OAuth2Client, OAuth2RequestError } from "../../src/index.js";
import { rejection } from "../support/rejection.js";

// Characters that form-urlencoding changes, so the raw value and its encoded form differ.
const CODE = "code/with+plus&amp=equals x";
const REFRESH_TOKEN = "rt/with+plus&more=stuff y";
const ACCESS_TOKEN = "eyJhbGciOi.access-token.signature";
const SECRET = "client-secret-value";

/** Everything a logger could print about an error: its string, inspect output and JSON, causes included. */
function printed(error: Error): string {
	return `${String(error)}\n${error.stack}\n${inspect(error, { depth: 20, showHidden: true })}\n${JSON.stringify(error)}`;
}

describe("redaction", () => {
	it("redacts the code and refresh token in the form encoding OAuth2Client sends, in fetch errors and error bodies", async () => {
		const echoingFetch = async (_input: string | URL | Request, init?: RequestInit) => {
			throw new TypeError(`proxy refused the body ${String(init?.body)}`);
		};
		const client = new OAuth2Client("client-id", SECRET, "https://app.example/cb", { fetch: echoingFetch });
		for (const call of [
			() => client.validateAuthorizationCode("https://auth.example/token", CODE, null),
			() => client.refreshAccessToken("https://auth.example/token", REFRESH_TOKEN, []),
		]) {
			const error = await rejection(call);
			expect(error).toBeInstanceOf(ArcticFetchError);
			const text = printed(error);
			for (const value of [CODE, REFRESH_TOKEN, SECRET]) {
				expect(text).not.toContain(new URLSearchParams([["", value]]).toString().slice(1));
				expect(text).not.toContain(value);
			}
		}
		const echoingBody = new OAuth2Client("client-id", SECRET, "https://app.example/cb", {
			fetch: async (_input, init) =>
				new Response(JSON.stringify({ error: "invalid_grant", error_description: `bad request: ${String(init?.body)}` }), {
					status: 400,
					headers: { "Content-Type": "application/json" },
				}),
		});
		const error = await rejection(echoingBody.refreshAccessToken("https://auth.example/token", REFRESH_TOKEN, []));
		expect(error).toBeInstanceOf(OAuth2RequestError);
		expect(printed(error)).not.toContain(new URLSearchParams([["", REFRESH_TOKEN]]).toString().slice(1));
	});

	it("withholds a cause chain deeper than it scans instead of keeping it unchecked", async () => {
		let deepest: Error = new Error(`upstream said: ${SECRET}`);
		for (let level = 0; level < 6; level++) deepest = new Error(`level ${level}`, { cause: deepest });
		const outer = deepest;
		const atlassian = new Atlassian("id", SECRET, "https://app.example/cb", {
			fetch: async () => {
				throw outer;
			},
		});
		const error = await rejection(atlassian.refreshAccessToken("refresh-token-value"));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect(error.cause).not.toBe(outer);
		expect((error.cause as Error).message).toBe("level 5");
		expect(printed(error)).not.toContain(SECRET);
	});

	it("a Request or Headers attached to a failure (util.inspect would print the bearer token) gets the cause copied", async () => {
		const failure = Object.assign(new TypeError("fetch failed"), {
			request: new Request("https://api.atlassian.com/me", { headers: { Authorization: `Bearer ${ACCESS_TOKEN}` } }),
			headers: new Headers({ Authorization: `Bearer ${ACCESS_TOKEN}` }),
		});
		const atlassian = new Atlassian("id", SECRET, "https://app.example/cb", {
			fetch: async () => {
				throw failure;
			},
		});
		const error = await rejection(atlassian.getUser(ACCESS_TOKEN));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect(error.cause).not.toBe(failure);
		// The copy keeps only the class, the name, the message and the stack.
		expect(error.cause).toBeInstanceOf(TypeError);
		expect(error.cause).toMatchObject({ name: "TypeError", message: "fetch failed" });
		expect(Object.keys(error.cause as object)).toEqual([]);
		expect(printed(error)).not.toContain(ACCESS_TOKEN);
	});

	it("replaces every cause by a sanitized copy that keeps its class, name, message, code and cause", async () => {
		const original = Object.assign(new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") }), { code: "ECONNREFUSED" });
		const atlassian = new Atlassian("id", SECRET, "https://app.example/cb", {
			fetch: async () => {
				throw original;
			},
		});
		const { cause } = await rejection(atlassian.getUser(ACCESS_TOKEN));
		expect(cause).not.toBe(original);
		expect(cause).toBeInstanceOf(TypeError);
		expect(cause).toMatchObject({ name: "TypeError", message: "fetch failed", code: "ECONNREFUSED" });
		expect((cause as Error).cause).toMatchObject({ message: "connect ECONNREFUSED" });
	});

	it.each([
		[
			"in a symbol-keyed property",
			(token: string) => Object.assign(new TypeError("fetch failed"), { [Symbol("request")]: { authorization: token, secret: SECRET } }),
		],
		[
			"in own properties a custom toJSON hides",
			(token: string) =>
				Object.assign(new TypeError("fetch failed"), { hidden: { secret: SECRET, token }, toJSON: () => ({ message: "nothing to see" }) }),
		],
		[
			"in their encodeURIComponent form",
			(token: string) => new TypeError(`proxy said: token=${encodeURIComponent(token)}&client_secret=${encodeURIComponent(SECRET)}`),
		],
		[
			"in a non-enumerable property",
			(token: string) =>
				Object.defineProperty(new TypeError("fetch failed"), "config", {
					value: { headers: { Authorization: `Bearer ${token}`, secret: SECRET } },
				}),
		],
	])("a secret %s never reaches util.inspect, JSON or the string of the error", async (_, makeFailure) => {
		for (const [token, call] of [
			[ACCESS_TOKEN, (client: Atlassian) => client.getUser(ACCESS_TOKEN)],
			[REFRESH_TOKEN, (client: Atlassian) => client.refreshAccessToken(REFRESH_TOKEN)],
		] as const) {
			const client = new Atlassian("id", SECRET, "https://app.example/cb", {
				fetch: async () => {
					throw makeFailure(token);
				},
			});
			const error = await rejection(call(client));
			expect(error).toBeInstanceOf(ArcticFetchError);
			const text = printed(error);
			for (const value of [token, SECRET, encodeURIComponent(token), encodeURIComponent(SECRET)]) {
				expect(text).not.toContain(value);
			}
		}
	});
});
