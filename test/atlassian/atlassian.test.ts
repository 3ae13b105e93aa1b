import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { Atlassian, OAuth2Client } from "../../src/index.js";
import { useMswServer } from "../support/msw.js";

const server = useMswServer();
const REDIRECT_URI = "https://app.example/login/atlassian/callback";

describe("Atlassian.createAuthorizationURL", () => {
	it("builds Atlassian's consent URL with audience and prompt", () => {
		const atlassian = new Atlassian("client-id", "secret", REDIRECT_URI);
		const url = atlassian.createAuthorizationURL("state-1", ["read:me", "offline_access"]);
		expect(url.origin + url.pathname).toBe("https://auth.atlassian.com/authorize");
		expect(Object.fromEntries(url.searchParams)).toEqual({
			response_type: "code",
			client_id: "client-id",
			redirect_uri: REDIRECT_URI,
			state: "state-1",
			scope: "read:me offline_access",
			audience: "api.atlassian.com",
			prompt: "consent",
		});
	});

	it("sends an empty scope parameter when no scope is requested", () => {
		const url = new Atlassian("id", "secret", REDIRECT_URI).createAuthorizationURL("s", []);
		expect(url.searchParams.get("scope")).toBe("");
	});

	it("uses Government Cloud endpoints and audience with cloud: us-gov-mod", () => {
		const atlassian = new Atlassian("id", "secret", REDIRECT_URI, { cloud: "us-gov-mod" });
		const url = atlassian.createAuthorizationURL("s", ["read:me"]);
		expect(url.origin + url.pathname).toBe("https://auth.atlassian-us-gov-mod.com/authorize");
		expect(url.searchParams.get("audience")).toBe("api.atlassian-us-gov-mod.com");
		expect(atlassian.tokenEndpoint).toBe("https://auth.atlassian-us-gov-mod.com/oauth/token");
		expect(atlassian.apiGateway).toBe("https://api.atlassian-us-gov-mod.com");
	});

	it("rejects an unknown cloud", () => {
		expect(() => new Atlassian("id", "secret", REDIRECT_URI, { cloud: "mars" as never })).toThrow(/Unknown Atlassian cloud/);
	});
});

describe("Atlassian hosts option", () => {
	it("accepts https origins and http on loopback, and derives the audience from the API gateway", () => {
		const atlassian = new Atlassian("id", "secret", REDIRECT_URI, {
			hosts: { authorizationServer: "http://127.0.0.1:4100/", apiGateway: "http://localhost:4100/api" },
		});
		expect(atlassian.authorizationEndpoint).toBe("http://127.0.0.1:4100/authorize");
		expect(atlassian.tokenEndpoint).toBe("http://127.0.0.1:4100/oauth/token");
		expect(atlassian.apiGateway).toBe("http://localhost:4100/api");
		expect(atlassian.createAuthorizationURL("s", []).searchParams.get("audience")).toBe("localhost:4100");
		expect(
			new Atlassian("id", "s", REDIRECT_URI, { hosts: { authorizationServer: "http://[::1]:1", apiGateway: "https://gw.example" } })
				.apiGateway,
		).toBe("https://gw.example");
	});

	it.each(["http://auth.example.com", "http://10.0.0.1", "ftp://127.0.0.1", "not a url"])("refuses %s", (origin) => {
		expect(
			() => new Atlassian("id", "secret", REDIRECT_URI, { hosts: { authorizationServer: origin, apiGateway: "https://gw.example" } }),
		).toThrow(TypeError);
	});
});

describe("timeoutMs option", () => {
	// setTimeout fires at once for a delay above 2^31 - 1 ms, so Infinity would make every request "time out" immediately.
	it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31])("refuses %s with a clear TypeError", (timeoutMs) => {
		expect(() => new Atlassian("id", "secret", REDIRECT_URI, { timeoutMs })).toThrow(/timeoutMs must be from 1 to 2147483647 ms/);
		expect(() => new OAuth2Client("id", "secret", REDIRECT_URI, { timeoutMs })).toThrow(TypeError);
	});

	it("accepts 1 ms up to the longest delay timers honour", () => {
		expect(() => new Atlassian("id", "secret", REDIRECT_URI, { timeoutMs: 1 })).not.toThrow();
		expect(() => new Atlassian("id", "secret", REDIRECT_URI, { timeoutMs: 2 ** 31 - 1 })).not.toThrow();
	});
});

describe("Atlassian token requests", () => {
	async function capture(run: (atlassian: Atlassian) => Promise<unknown>, options = {}) {
		let request: Request | undefined;
		let body: unknown;
		server.use(
			http.post("https://*/oauth/token", async ({ request: incoming }) => {
				request = incoming;
				body = await incoming.json();
				return HttpResponse.json({ access_token: "at", token_type: "Bearer", expires_in: 3600, refresh_token: "rt2", scope: "read:me" });
			}),
		);
		await run(new Atlassian("client-id", "client-secret", REDIRECT_URI, options));
		if (request === undefined) throw new Error("no request");
		return { request, body };
	}

	it("exchanges a code with a JSON body as Atlassian documents", async () => {
		const { request, body } = await capture((a) => a.validateAuthorizationCode("the-code"));
		expect(request.method).toBe("POST");
		expect(request.url).toBe("https://auth.atlassian.com/oauth/token");
		expect(request.headers.get("content-type")).toBe("application/json");
		expect(request.headers.get("accept")).toBe("application/json");
		expect(request.headers.get("authorization")).toBeNull();
		expect(body).toEqual({
			grant_type: "authorization_code",
			client_id: "client-id",
			client_secret: "client-secret",
			code: "the-code",
			redirect_uri: REDIRECT_URI,
		});
	});

	it("refreshes with a JSON body holding the refresh token", async () => {
		const { body } = await capture((a) => a.refreshAccessToken("old-rt"));
		expect(body).toEqual({ grant_type: "refresh_token", client_id: "client-id", client_secret: "client-secret", refresh_token: "old-rt" });
	});

	it("sends Government Cloud token requests to its own host", async () => {
		const { request } = await capture((a) => a.refreshAccessToken("rt"), { cloud: "us-gov-mod" });
		expect(request.url).toBe("https://auth.atlassian-us-gov-mod.com/oauth/token");
	});

	it("uses an injected fetch instead of the global one", async () => {
		const seen: string[] = [];
		const atlassian = new Atlassian("id", "secret", REDIRECT_URI, {
			fetch: async (input) => {
				seen.push(String(input));
				return Response.json({ access_token: "from-injected" });
			},
		});
		const tokens = await atlassian.validateAuthorizationCode("c");
		expect(tokens.accessToken()).toBe("from-injected");
		expect(seen).toEqual(["https://auth.atlassian.com/oauth/token"]);
	});

	it("looks the global fetch up at call time", async () => {
		const atlassian = new Atlassian("id", "secret", REDIRECT_URI);
		const original = globalThis.fetch;
		globalThis.fetch = async () => Response.json({ access_token: "late-bound" });
		try {
			expect((await atlassian.validateAuthorizationCode("c")).accessToken()).toBe("late-bound");
		} finally {
			globalThis.fetch = original;
		}
	});
});
