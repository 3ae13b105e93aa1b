import { inspect } from "node:util";
import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import {
	ArcticFetchError,
	Atlassian,
	OAuth2Client,
	OAuth2RequestError,
	UnexpectedErrorResponseBodyError,
	UnexpectedResponseError,
} from "../../src/index.js";
import { useMswServer } from "../support/msw.js";
import { rejection } from "../support/rejection.js";

const server = useMswServer();
const SECRET = "Zq8-secret_value/with+chars=";
const REDIRECT_URI = "https://app.example/cb";

describe("timeouts and aborts", () => {
	it("fires the timeout even when a custom fetch ignores the abort signal", async () => {
		const atlassian = new Atlassian("id", SECRET, REDIRECT_URI, { timeoutMs: 50, fetch: () => new Promise<Response>(() => {}) });
		const error = await rejection(atlassian.refreshAccessToken("rt"));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect((error.cause as DOMException).name).toBe("TimeoutError");
	});

	it("aborts the underlying fetch on timeout so a well-behaved fetch stops", async () => {
		let aborted = false;
		const atlassian = new Atlassian("id", SECRET, REDIRECT_URI, {
			timeoutMs: 50,
			fetch: (_input, init) =>
				new Promise<Response>((_, reject) => {
					init?.signal?.addEventListener("abort", () => {
						aborted = true;
						reject(init.signal?.reason);
					});
				}),
		});
		expect(await rejection(atlassian.validateAuthorizationCode("c"))).toBeInstanceOf(ArcticFetchError);
		expect(aborted).toBe(true);
	});

	it("the timeout covers a body that never finishes", async () => {
		const atlassian = new Atlassian("id", SECRET, REDIRECT_URI, {
			timeoutMs: 50,
			fetch: async () => new Response(new ReadableStream({ start: (controller) => controller.enqueue(new TextEncoder().encode("{")) })),
		});
		const error = await rejection(atlassian.validateAuthorizationCode("c"));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect((error.cause as DOMException).name).toBe("TimeoutError");
	});

	it("a caller's signal aborts the request with its reason as cause", async () => {
		const controller = new AbortController();
		const atlassian = new Atlassian("id", SECRET, REDIRECT_URI, { fetch: () => new Promise<Response>(() => {}) });
		const pending = atlassian.refreshAccessToken("rt", { signal: controller.signal });
		const reason = new Error("user navigated away");
		controller.abort(reason);
		const error = await rejection(pending);
		expect(error).toBeInstanceOf(ArcticFetchError);
		// A sanitized copy: the same class, name and message, none of whatever else the reason holds.
		expect(error.cause).toBeInstanceOf(Error);
		expect(error.cause).toMatchObject({ name: "Error", message: "user navigated away" });
	});

	it("an already-aborted signal fails without sending anything", async () => {
		let sent = false;
		const atlassian = new Atlassian("id", SECRET, REDIRECT_URI, {
			fetch: async () => {
				sent = true;
				return Response.json({ access_token: "a" });
			},
		});
		const error = await rejection(atlassian.refreshAccessToken("rt", { signal: AbortSignal.abort() }));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect(sent).toBe(false);
	});

	it("refuses a body larger than 1 MiB by its declared length", async () => {
		server.use(
			http.post(
				"https://auth.atlassian.com/oauth/token",
				() => new HttpResponse("{}", { status: 200, headers: { "Content-Length": String(2 * 1024 * 1024) } }),
			),
		);
		const error = await rejection(new Atlassian("id", SECRET, REDIRECT_URI).validateAuthorizationCode("c"));
		expect(error).toBeInstanceOf(UnexpectedResponseError);
	});

	it("refuses a streamed body past 1 MiB without reading it all", async () => {
		let pulls = 0;
		const chunk = new Uint8Array(64 * 1024).fill(0x20);
		const atlassian = new Atlassian("id", SECRET, REDIRECT_URI, {
			fetch: async () =>
				new Response(
					new ReadableStream({
						pull(controller) {
							pulls++;
							controller.enqueue(chunk);
						},
					}),
					{ status: 400 },
				),
		});
		const error = await rejection(atlassian.refreshAccessToken("rt"));
		expect(error).toBeInstanceOf(UnexpectedResponseError);
		expect((error as UnexpectedResponseError).status).toBe(400);
		expect(pulls).toBeLessThan(40);
	});

	it("accepts a body of exactly 1 MiB", async () => {
		const padding = " ".repeat(1024 * 1024 - '{"access_token":"a"}'.length);
		const atlassian = new Atlassian("id", SECRET, REDIRECT_URI, { fetch: async () => new Response(`{"access_token":"a"}${padding}`) });
		expect((await atlassian.refreshAccessToken("rt")).accessToken()).toBe("a");
	});
});

function expectNoSecret(error: unknown, secrets: string[]) {
	const outputs = [String(error), (error as Error).stack ?? "", JSON.stringify(error), inspect(error, { depth: 10, showHidden: true })];
	for (const output of outputs) {
		for (const secret of secrets) {
			expect(output).not.toContain(secret);
		}
	}
}

describe("the client secret never appears in an error", () => {
	const basic = Buffer.from(`id:${encodeURIComponent(SECRET)}`).toString("base64");
	const secrets = [SECRET, encodeURIComponent(SECRET), basic];

	it("an error body echoing the secret is redacted in data and fields", async () => {
		server.use(
			http.post("https://auth.atlassian.com/oauth/token", () =>
				HttpResponse.json({ error: `bad ${SECRET}`, error_description: `client_secret=${SECRET}` }, { status: 401 }),
			),
		);
		const error = await rejection(new Atlassian("id", SECRET, REDIRECT_URI).validateAuthorizationCode("c"));
		expect(error).toBeInstanceOf(OAuth2RequestError);
		expect((error as OAuth2RequestError).description).toBe("client_secret=[REDACTED]");
		expectNoSecret(error, secrets);
	});

	it("a wrong-shape body echoing the secret in keys and nested values is redacted", async () => {
		server.use(
			http.post("https://auth.atlassian.com/oauth/token", () => HttpResponse.json({ request: { [SECRET]: [SECRET, 1] } }, { status: 200 })),
		);
		const error = await rejection(new Atlassian("id", SECRET, REDIRECT_URI).validateAuthorizationCode("c"));
		expect(error).toBeInstanceOf(UnexpectedErrorResponseBodyError);
		expect((error as UnexpectedErrorResponseBodyError).data).toEqual({ request: { "[REDACTED]": ["[REDACTED]", 1] } });
		expectNoSecret(error, secrets);
	});

	it("a fetch that fails with the request body in its message is redacted in cause", async () => {
		const atlassian = new Atlassian("id", SECRET, REDIRECT_URI, {
			fetch: async (_input, init) => {
				throw new TypeError(`could not send ${String(init?.body)}`);
			},
		});
		const error = await rejection(atlassian.refreshAccessToken("rt"));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect((error.cause as Error).name).toBe("TypeError");
		expect((error.cause as Error).message).toContain("[REDACTED]");
		expectNoSecret(error, secrets);
	});

	it("Basic credentials echoed in a cause are redacted too", async () => {
		const client = new OAuth2Client("id", SECRET, null, {
			fetch: async (_input, init) => {
				throw new Error(`refused ${JSON.stringify(init?.headers)}`);
			},
		});
		const error = await rejection(client.refreshAccessToken("https://idp.example/token", "rt", []));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expectNoSecret(error, secrets);
	});

	it("neither the Atlassian instance nor the client show the secret when inspected or serialised", () => {
		for (const value of [new Atlassian("id", SECRET, REDIRECT_URI), new OAuth2Client("id", SECRET, null)]) {
			expect(inspect(value, { depth: 10, showHidden: true })).not.toContain(SECRET);
			expect(JSON.stringify(value)).not.toContain(SECRET);
		}
	});

	it("a secret with quotes and backslashes is redacted however the server echoes it", async () => {
		const awkward = 'q"uo\\te-secret\\';
		server.use(
			http.post("https://auth.atlassian.com/oauth/token", () =>
				HttpResponse.json(
					{ error: "invalid_client", error_description: `got ${awkward}`, echo: { [awkward]: `${awkward}"` } },
					{ status: 401 },
				),
			),
		);
		const error = await rejection(new Atlassian("id", awkward, REDIRECT_URI).validateAuthorizationCode("c"));
		expect(error).toBeInstanceOf(OAuth2RequestError);
		expect((error as OAuth2RequestError).description).toBe("got [REDACTED]");
		expectNoSecret(error, [awkward, JSON.stringify(awkward).slice(1, -1)]);
	});

	it("a fetch failure that cannot be converted to a string is replaced, since it cannot be checked", async () => {
		const atlassian = new Atlassian("id", SECRET, REDIRECT_URI, {
			fetch: async () => {
				throw Object.create(null);
			},
		});
		const error = await rejection(atlassian.refreshAccessToken("rt"));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect((error.cause as Error).message).toMatch(/could not be converted to a string/);
	});

	it("an API call's failure echoing the client secret in any encoding is redacted too", async () => {
		const atlassian = new Atlassian("id", SECRET, REDIRECT_URI, {
			fetch: async () => {
				throw new Error(`proxy refused: client_secret=${encodeURIComponent(SECRET)}`);
			},
		});
		const error = await rejection(atlassian.getUser("access-token-0123456789"));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect((error.cause as Error).message).toBe("proxy refused: client_secret=[REDACTED]");
		expectNoSecret(error, secrets);
	});

	it("an unrelated cause is replaced by a copy of the same class, name and message", async () => {
		const original = new TypeError("fetch failed");
		const atlassian = new Atlassian("id", SECRET, REDIRECT_URI, {
			fetch: async () => {
				throw original;
			},
		});
		const { cause } = await rejection(atlassian.refreshAccessToken("rt"));
		expect(cause).not.toBe(original);
		expect(cause).toBeInstanceOf(TypeError);
		expect(cause).toMatchObject({ name: "TypeError", message: "fetch failed" });
	});
});

describe("the grant's own secrets never appear in an error either", () => {
	it.each([
		["a refresh token", (a: Atlassian) => a.refreshAccessToken("refresh-token-Abc123456789"), "refresh-token-Abc123456789"],
		["an authorization code", (a: Atlassian) => a.validateAuthorizationCode("auth-code-Xyz987654321"), "auth-code-Xyz987654321"],
	])("%s echoed by the server is redacted", async (_, call, value) => {
		server.use(
			http.post("https://auth.atlassian.com/oauth/token", () =>
				HttpResponse.json({ error: "invalid_grant", error_description: `Unknown token ${value}` }, { status: 403 }),
			),
		);
		const error = await rejection(call(new Atlassian("id", SECRET, REDIRECT_URI)));
		expect((error as OAuth2RequestError).description).toBe("Unknown token [REDACTED]");
		expectNoSecret(error, [value]);
	});

	it("a revoked token echoed by the server is redacted", async () => {
		server.use(
			http.post("https://idp.example/revoke", () =>
				HttpResponse.json({ error: "invalid_token", error_description: "bad token-to-revoke-123456" }, { status: 400 }),
			),
		);
		const error = await rejection(new OAuth2Client("id", SECRET, null).revokeToken("https://idp.example/revoke", "token-to-revoke-123456"));
		expect(error).toBeInstanceOf(OAuth2RequestError);
		expectNoSecret(error, ["token-to-revoke-123456"]);
	});
});
