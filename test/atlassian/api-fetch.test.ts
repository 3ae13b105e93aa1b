import createClient from "openapi-fetch";
import { afterEach, describe, expect, it } from "vitest";
import {
	ArcticFetchError,
	Atlassian,
	type AtlassianFetchOptions,
	type AtlassianOptions,
	createAtlassianFetch,
	createGatewayURL,
	isReauthorizationRequired,
	MemoryTokenStore,
	OAuth2RequestError,
	TokenManager,
} from "../../src/index.js";
import { DEFAULT_SITE } from "../../src/testing/index.js";
import { overLoopback, overMsw, REDIRECT_URI } from "../support/emulator-worlds.js";
import { type RawHttpServer, startRawHttpServer, streamBody, within } from "../support/raw-http-server.js";
import { rejection } from "../support/rejection.js";

const SCOPES = ["read:me", "offline_access", "read:jira-work", "write:jira-work", "read:jira-user"];

describe.each([
	["msw, on Atlassian's hosts", overMsw],
	["a loopback emulator", overLoopback],
])("createAtlassianFetch over %s", (_, setUp) => {
	const world = setUp();

	async function connect(scopes = SCOPES, options: AtlassianFetchOptions = {}, clientOptions: AtlassianOptions = {}) {
		const { emulator } = world();
		const atlassian = world().atlassian(clientOptions);
		const tokens = new TokenManager(atlassian, { store: new MemoryTokenStore() });
		await tokens.save(
			"mia",
			await atlassian.validateAuthorizationCode(emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes })),
		);
		const jira = (path: string, query?: Record<string, string>) => createGatewayURL(atlassian, "jira", DEFAULT_SITE.id, path, query);
		const tokenRequests = () => emulator.requests.filter((request) => request.path === "/oauth/token").length - 1;
		return { emulator, atlassian, tokens, jira, tokenRequests, fetch: createAtlassianFetch(atlassian, { tokens, key: "mia" }, options) };
	}

	it("refuses any URL off the gateway with a TypeError, before a token is read or refreshed, and sends nothing", async () => {
		const { fetch, emulator, atlassian } = await connect();
		const before = emulator.requests.length;
		emulator.advanceTime(3601 * 1000);
		const gateway = new URL(atlassian.apiGateway);
		const offGateway = [
			`${world().otherOrigin}/ex/jira/${DEFAULT_SITE.id}/rest/api/3/myself`,
			`${DEFAULT_SITE.url}/rest/api/3/myself`,
			`${gateway.protocol === "https:" ? "http:" : "https:"}//${gateway.host}/me`,
			`${gateway.protocol}//evil@${gateway.host}/me`,
			`${gateway.protocol}//${gateway.hostname}.evil.example/me`,
		];
		for (const url of offGateway) {
			const error = await rejection(fetch(url));
			expect(error, url).toBeInstanceOf(TypeError);
			if (!url.includes("@")) expect(await rejection(fetch(new Request(url)))).toBeInstanceOf(TypeError);
		}
		expect(world().otherRequests).toEqual([]);
		expect(emulator.requests.length).toBe(before);
	});

	it("adds the bearer token and passes method, headers and body through: create, update and delete an issue", async () => {
		const { fetch, jira } = await connect();
		const created = await fetch(jira("rest/api/3/issue"), {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({ fields: { project: { key: "OPS" }, summary: "Written through createAtlassianFetch" } }),
		});
		expect(created.status).toBe(201);
		const { key } = (await created.json()) as { key: string };
		const updated = await fetch(jira(`rest/api/3/issue/${key}`), {
			method: "PUT",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({ fields: { summary: "Renamed" } }),
		});
		expect(updated.status).toBe(204);
		expect(await (await fetch(jira(`rest/api/3/issue/${key}`))).json()).toMatchObject({ key, fields: { summary: "Renamed" } });
		expect((await fetch(jira(`rest/api/3/issue/${key}`), { method: "DELETE" })).status).toBe(204);
		const gone = await fetch(jira(`rest/api/3/issue/${key}`));
		expect(gone.status).toBe(404);
		expect(await gone.json()).toMatchObject({ errorMessages: [expect.stringMatching(/does not exist/)] });
	});

	it("refreshes exactly once for N concurrent 401s, and retries each call once with the new token", async () => {
		const { fetch, jira, emulator, tokens, tokenRequests } = await connect();
		const before = await tokens.getAccessToken("mia");
		// The emulator's clock passes the expiry; ours does not, so every caller sends the old token and gets 401.
		emulator.advanceTime(3601 * 1000);
		const responses = await Promise.all(Array.from({ length: 12 }, () => fetch(jira("rest/api/3/myself"))));
		expect(responses.map((response) => response.status)).toEqual(Array(12).fill(200));
		expect(tokenRequests()).toBe(1);
		expect(await tokens.getAccessToken("mia")).not.toBe(before);
		// A later 401 on the new token set is refreshed again: once per rejected token, not once per lifetime.
		emulator.advanceTime(3601 * 1000);
		expect((await fetch(jira("rest/api/3/myself"))).status).toBe(200);
		expect(tokenRequests()).toBe(2);
	});

	it("never refreshes the scope-mismatch 401, and returns it as it is", async () => {
		const { fetch, jira, tokenRequests } = await connect(["read:jira-user", "offline_access"]);
		const response = await fetch(jira("rest/api/3/project/search"));
		expect(response.status).toBe(401);
		expect(response.headers.get("x-failure-category")).toBe("FAILURE_CLIENT_SCOPE_CHECK");
		expect(await response.json()).toEqual({ code: 401, message: "Unauthorized; scope does not match" });
		expect(tokenRequests()).toBe(0);
	});

	it("never refreshes the scope-mismatch 401 either when a proxy dropped its X-Failure-Category: the message tells", async () => {
		const { fetch, jira, tokenRequests } = await connect(
			["read:jira-user", "offline_access"],
			{},
			{
				fetch: async (input, init) => {
					const response = await globalThis.fetch(input, init);
					const headers = new Headers(response.headers);
					headers.delete("x-failure-category");
					return new Response(response.body, { status: response.status, headers });
				},
			},
		);
		const response = await fetch(jira("rest/api/3/project/search"));
		expect(response.status).toBe(401);
		expect(response.headers.get("x-failure-category")).toBeNull();
		expect(await response.json()).toEqual({ code: 401, message: "Unauthorized; scope does not match" });
		expect(tokenRequests()).toBe(0);
	});

	it("with a fixed access token, returns the 401 as it is", async () => {
		const { emulator, atlassian, tokens, jira } = await connect();
		const fixed = createAtlassianFetch(atlassian, { accessToken: await tokens.getAccessToken("mia") });
		emulator.advanceTime(3601 * 1000);
		expect((await fixed(jira("rest/api/3/myself"))).status).toBe(401);
	});

	it("throws the refresh's invalid_grant when the grant was revoked: sign in again", async () => {
		const { fetch, jira, emulator } = await connect();
		emulator.revokeAllTokens();
		const error = await rejection(fetch(jira("rest/api/3/myself")));
		expect(error).toBeInstanceOf(OAuth2RequestError);
		expect(isReauthorizationRequired(error)).toBe(true);
	});

	it("waits out a 429 no earlier than its Retry-After, then retries", async () => {
		const retries: { delayMs: number; status: number }[] = [];
		const { fetch, jira, emulator } = await connect(SCOPES, { onRetry: ({ delayMs, status }) => retries.push({ delayMs, status }) });
		emulator.setGatewayRateLimit({ limit: 1, windowSeconds: 1 });
		expect((await fetch(jira("rest/api/3/myself"))).status).toBe(200);
		const start = emulator.requests.length;
		expect((await fetch(jira("rest/api/3/myself"))).status).toBe(200);
		const [limited, retried, ...more] = emulator.requests.slice(start);
		expect(more).toEqual([]);
		expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000);
		expect(retries).toEqual([{ delayMs: expect.any(Number), status: 429 }]);
		expect(retries[0]?.delayMs).toBeGreaterThanOrEqual(1000);
	});

	it("retries POST only when the caller opts in", async () => {
		const { fetch, jira, emulator, atlassian, tokens } = await connect();
		const create = (target: typeof fetch) =>
			target(jira("rest/api/3/issue"), {
				method: "POST",
				headers: { "Content-Type": "application/json" },
				body: JSON.stringify({ fields: { project: { key: "ENG" }, summary: "Once" } }),
			});
		emulator.injectFault({ pathPrefix: "/ex/", status: 429, headers: { "Retry-After": "0" } });
		expect((await create(fetch)).status).toBe(429);
		const optedIn = createAtlassianFetch(atlassian, { tokens, key: "mia" }, { retry: { retryNonIdempotent: true } });
		emulator.injectFault({ pathPrefix: "/ex/", status: 429, headers: { "Retry-After": "0" } });
		expect((await create(optedIn)).status).toBe(201);
	});

	it("retries a 503 with Retry-After, but returns a 503 without one and every other status as it is", async () => {
		const { fetch, jira, emulator } = await connect();
		emulator.injectFault({ pathPrefix: "/ex/", status: 503, body: "{}", headers: { "Retry-After": "0" } });
		expect((await fetch(jira("rest/api/3/myself"))).status).toBe(200);
		for (const status of [503, 500, 404, 400]) {
			emulator.injectFault({ pathPrefix: "/ex/", status, body: `{"status":${status}}` });
			const response = await fetch(jira("rest/api/3/myself"));
			expect(response.status).toBe(status);
			expect(await response.json()).toEqual({ status });
		}
	});

	it("bounds retries by count and by total wait, returning the last 429", async () => {
		const { fetch, jira, emulator, atlassian, tokens } = await connect();
		const countRequests = () => emulator.requests.filter((request) => request.path.startsWith("/ex/")).length;
		emulator.injectFault({ pathPrefix: "/ex/", status: 429, headers: { "Retry-After": "0" }, times: 3 });
		const twice = createAtlassianFetch(atlassian, { tokens, key: "mia" }, { retry: { maxRetries: 2 } });
		expect((await twice(jira("rest/api/3/myself"))).status).toBe(429);
		expect(countRequests()).toBe(3);
		emulator.injectFault({ pathPrefix: "/ex/", status: 429, headers: { "Retry-After": "120" } });
		const response = await fetch(jira("rest/api/3/myself"));
		expect(response.status).toBe(429);
		expect(response.headers.get("retry-after")).toBe("120");
		expect(countRequests()).toBe(4);
		const never = createAtlassianFetch(atlassian, { tokens, key: "mia" }, { retry: false });
		emulator.injectFault({ pathPrefix: "/ex/", status: 429, headers: { "Retry-After": "0" } });
		expect((await never(jira("rest/api/3/myself"))).status).toBe(429);
	});

	it("sends a ReadableStream body once: a 429 on it is returned as it is, not retried with a spent stream", async () => {
		const { fetch, jira, emulator } = await connect();
		emulator.injectFault({ pathPrefix: "/ex/", status: 429, headers: { "Retry-After": "0" }, times: 1 });
		const body = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(new TextEncoder().encode(JSON.stringify({ fields: { summary: "Streamed" } })));
				controller.close();
			},
		});
		const before = emulator.requests.length;
		const response = await fetch(jira("rest/api/3/issue/OPS-1"), {
			method: "PUT",
			headers: { "Content-Type": "application/json" },
			body,
			duplex: "half",
		} as RequestInit);
		expect(response.status).toBe(429);
		expect(emulator.requests.length - before).toBe(1);
	});

	it("backs off with jitter when a 429 has no Retry-After", async () => {
		const delays: number[] = [];
		const { fetch, jira, emulator } = await connect(SCOPES, {
			retry: { initialDelayMs: 40 },
			onRetry: ({ delayMs }) => delays.push(delayMs),
		});
		emulator.injectFault({ pathPrefix: "/ex/", status: 429, times: 2 });
		expect((await fetch(jira("rest/api/3/myself"))).status).toBe(200);
		expect(delays).toHaveLength(2);
		expect(delays[0]).toBeGreaterThanOrEqual(28);
		expect(delays[0]).toBeLessThanOrEqual(52);
		expect(delays[1]).toBeGreaterThanOrEqual(56);
		expect(delays[1]).toBeLessThanOrEqual(104);
	});

	it("stops waiting when the caller aborts, and sends nothing more", async () => {
		const { fetch, jira, emulator } = await connect();
		emulator.injectFault({ pathPrefix: "/ex/", status: 429, headers: { "Retry-After": "30" } });
		const controller = new AbortController();
		const call = fetch(jira("rest/api/3/myself"), { signal: controller.signal });
		await new Promise((resolve) => setTimeout(resolve, 50));
		const sent = emulator.requests.length;
		controller.abort(new Error("user navigated away"));
		expect(await rejection(call)).toBeInstanceOf(ArcticFetchError);
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(emulator.requests.length).toBe(sent);
	});

	it("answers within the client's timeout", async () => {
		const { jira, emulator, tokens } = await connect();
		const impatient = createAtlassianFetch(world().atlassian({ timeoutMs: 100 }), { tokens, key: "mia" });
		emulator.injectFault({ pathPrefix: "/ex/", delayMs: 1_000 });
		expect(await rejection(impatient(jira("rest/api/3/myself")))).toBeInstanceOf(ArcticFetchError);
	});

	it("takes a Request, as fetch-based clients send, and replays its body on a retry", async () => {
		const { fetch, jira, emulator } = await connect(SCOPES, { retry: { retryNonIdempotent: true } });
		emulator.injectFault({ pathPrefix: "/ex/", status: 429, headers: { "Retry-After": "0" } });
		const request = new Request(jira("rest/api/3/issue"), {
			method: "POST",
			headers: { "Content-Type": "application/json", Accept: "application/json" },
			body: JSON.stringify({ fields: { project: { key: "MKT" }, summary: "From a Request" } }),
		});
		const response = await fetch(request);
		expect(response.status).toBe(201);
		expect(await response.json()).toMatchObject({ key: "MKT-1" });
	});

	it("runs a third-party fetch-based client (openapi-fetch)", async () => {
		const { fetch, atlassian } = await connect();
		interface JiraPaths {
			"/rest/api/3/myself": { get: { responses: { 200: { content: { "application/json": { accountId: string } } } } } };
		}
		const jira = createClient<JiraPaths>({ baseUrl: `${atlassian.apiGateway}/ex/jira/${DEFAULT_SITE.id}`, fetch });
		const { data, response } = await jira.GET("/rest/api/3/myself");
		expect(response.status).toBe(200);
		expect(data?.accountId).toMatch(/^712020:/);
	});
});

describe("createAtlassianFetch and the caller's signal", () => {
	const url = "https://api.atlassian.com/ex/jira/1324a887-45db-1bf4-1e99-ef0ff456d421/rest/api/3/myself";

	it("keeps covering the body after the headers arrived: an abort then cancels the read", async () => {
		// A fetch that sends headers at once and the body never, and tears the body down when its signal aborts.
		const stalling = new Atlassian("id", "secret", "https://app.example/callback", {
			fetch: async (_input, init) => {
				const body = new ReadableStream({
					start(controller) {
						init?.signal?.addEventListener("abort", () => controller.error(init.signal?.reason));
					},
				});
				return new Response(body, { status: 200 });
			},
		});
		const controller = new AbortController();
		const response = await createAtlassianFetch(stalling, { accessToken: "access-token" })(url, { signal: controller.signal });
		const reading = response.text();
		controller.abort(new Error("the user left"));
		expect(await rejection(reading)).toMatchObject({ message: "the user left" });
	});

	it("leaves no listener on a long-lived signal, however many calls it covers", async () => {
		const { EventEmitter } = await import("node:events");
		const quick = new Atlassian("id", "secret", "https://app.example/callback", { fetch: async () => Response.json({}) });
		const shutdown = new AbortController();
		const fetchAsUser = createAtlassianFetch(quick, { accessToken: "access-token" });
		for (let call = 0; call < 50; call++) await (await fetchAsUser(url, { signal: shutdown.signal })).text();
		expect(EventEmitter.getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
	});
});

describe("createAtlassianFetch arguments", () => {
	const atlassian = new Atlassian("id", "secret", "https://app.example/callback");

	it("needs an Atlassian client and credentials", () => {
		expect(() => createAtlassianFetch({} as Atlassian, { accessToken: "t" })).toThrow(/Expected an Atlassian client/);
		expect(() => createAtlassianFetch(atlassian, {} as { accessToken: string })).toThrow(TypeError);
	});

	it.each([{ maxRetries: -1 }, { maxRetries: 1.5 }, { maxWaitMs: -1 }, { initialDelayMs: 0 }, { maxWaitMs: Number.NaN }])(
		"refuses retry options %o",
		(retry) => {
			expect(() => createAtlassianFetch(atlassian, { accessToken: "t" }, { retry })).toThrow(TypeError);
		},
	);
});

describe("createAtlassianFetch reads a 401 bounded, on a loopback server", () => {
	const CLOUD = "1324a887-45db-1bf4-1e99-ef0ff456d421";
	let server: RawHttpServer | undefined;
	afterEach(async () => {
		await server?.close();
		server = undefined;
	});

	/** A gateway whose 401 (for the first token) has `body`'s bytes and `headers`; the refreshed token gets a 200. */
	async function gateway(headers: Record<string, string>, limitBytes?: number) {
		const sent = { written: 0 };
		server = await startRawHttpServer((request, response) => {
			if (request.headers.authorization === "Bearer fresh-token") {
				response.writeHead(200, { "Content-Type": "application/json" }).end('{"ok":true}');
				return;
			}
			response.writeHead(401, { "Content-Type": "application/json", ...headers });
			Object.assign(sent, streamBody(response, limitBytes));
		});
		const atlassian = new Atlassian("id", "secret", "https://app.example/cb", {
			hosts: { authorizationServer: server.url, apiGateway: server.url },
			timeoutMs: 1_000,
		});
		let refreshes = 0;
		const tokens = {
			getAccessToken: async () => "stale-token",
			refresh: async () => {
				refreshes++;
				return { accessToken: "fresh-token" };
			},
		};
		const fetch = createAtlassianFetch(atlassian, { tokens, key: "mia" });
		return { fetch, url: `${server.url}/ex/jira/${CLOUD}/rest/api/3/myself`, sent, refreshes: () => refreshes };
	}

	it("a 401 whose body never ends, without X-Failure-Category: a few KB are read under the deadline, then it refreshes", async () => {
		const { fetch, url, refreshes } = await gateway({});
		const response = await within(fetch(url), 5_000, "the call");
		expect(response.status).toBe(200);
		expect(refreshes()).toBe(1);
	});

	it("a 400 MB 401 without X-Failure-Category is not read whole: memory stays bounded", async () => {
		const { fetch, url, sent } = await gateway({}, 400 * 1024 * 1024);
		const before = process.memoryUsage().rss;
		expect((await within(fetch(url), 10_000, "the call")).status).toBe(200);
		// Only what sockets buffer left the server, and the process holds none of it.
		console.log(
			`400 MB 401: ${(sent.written / 1024 / 1024).toFixed(1)} MB left the server, RSS +${((process.memoryUsage().rss - before) / 1024 / 1024).toFixed(1)} MB`,
		);
		expect(sent.written).toBeLessThan(64 * 1024 * 1024);
		expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
	});

	it("a 401 with X-Failure-Category is classified by its header alone: its body is not read", async () => {
		const { fetch, url, refreshes } = await gateway({ "X-Failure-Category": "FAILURE_CLIENT_SCOPE_CHECK" });
		const response = await within(fetch(url), 5_000, "the call");
		expect(response.status).toBe(401);
		expect(refreshes()).toBe(0);
		await response.body?.cancel();
	});
});

describe("createAtlassianFetch with an async-iterable body", () => {
	it("sends it streamed (duplex: half), once", async () => {
		const received: string[] = [];
		const server = await startRawHttpServer((request, response) => {
			let body = "";
			request.on("data", (chunk: Buffer) => {
				body += chunk.toString();
			});
			request.on("end", () => {
				received.push(body);
				response.writeHead(201, { "Content-Type": "application/json" }).end("{}");
			});
		});
		try {
			const atlassian = new Atlassian("id", "secret", "https://app.example/cb", {
				hosts: { authorizationServer: server.url, apiGateway: server.url },
			});
			async function* parts() {
				yield new TextEncoder().encode('{"fields":');
				yield new TextEncoder().encode('{"summary":"Streamed"}}');
			}
			const response = await createAtlassianFetch(atlassian, { accessToken: "access-token" })(
				`${server.url}/ex/jira/1324a887-45db-1bf4-1e99-ef0ff456d421/rest/api/3/issue`,
				{ method: "POST", body: parts() as unknown as BodyInit, headers: { "Content-Type": "application/json" } },
			);
			expect(response.status).toBe(201);
			expect(received).toEqual(['{"fields":{"summary":"Streamed"}}']);
		} finally {
			await server.close();
		}
	});
});
