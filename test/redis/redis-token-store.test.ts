import { type ChildProcess, fork } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OAuth2Tokens, type StoredTokenSet, TokenManager } from "../../src/index.js";
import { CorruptTokenRecordError, RedisTokenStore } from "../../src/redis/index.js";
import { type RedisServer, startRedisServer } from "../support/redis-server.js";
import { RotatingTokenEndpoint } from "../support/rotating-token-endpoint.js";

let redis: RedisServer;
let client: Redis;

beforeAll(async () => {
	redis = await startRedisServer();
	client = redis.client();
});

afterAll(async () => {
	await redis?.stop();
});

const tokens: StoredTokenSet = { accessToken: "at", refreshToken: "rt", expiresAt: 1_800_000_000_000, scopes: ["read:me"], version: 1 };

describe("RedisTokenStore on a real redis-server", () => {
	it("stores token sets as JSON under the prefix with a TTL, and deletes them", async () => {
		const store = new RedisTokenStore({ client, prefix: "t1:", ttlMs: 60_000 });
		expect(await store.get("conn")).toBeNull();
		await store.set("conn", tokens);
		expect(await store.get("conn")).toEqual(tokens);
		expect(JSON.parse((await client.get("t1:tokens:conn")) ?? "")).toEqual(tokens);
		const ttl = await client.pttl("t1:tokens:conn");
		expect(ttl).toBeGreaterThan(50_000);
		expect(ttl).toBeLessThanOrEqual(60_000);
		await store.delete("conn");
		expect(await client.exists("t1:tokens:conn")).toBe(0);
	});

	it("defaults to a 90-day TTL, renewed on every write", async () => {
		const store = new RedisTokenStore({ client, prefix: "t2:" });
		await store.set("conn", tokens);
		expect(await client.pttl("t2:tokens:conn")).toBeGreaterThan(89 * 24 * 3600 * 1000);
	});

	it("refuses a corrupt or foreign record with a typed error and leaves it in place", async () => {
		const store = new RedisTokenStore({ client, prefix: "t3:" });
		for (const raw of ["not json", JSON.stringify({ accessToken: 1 }), JSON.stringify({ ...tokens, version: "1" })]) {
			await client.set("t3:tokens:conn", raw);
			await expect(store.get("conn")).rejects.toBeInstanceOf(CorruptTokenRecordError);
			expect(await client.get("t3:tokens:conn")).toBe(raw);
		}
	});

	it("locks with SET NX PX, and an expired holder cannot release the next holder's lock", async () => {
		const store = new RedisTokenStore({ client, prefix: "t4:" });
		const first = await store.lock("conn", 100);
		expect(first).not.toBeNull();
		expect(await store.lock("conn", 100)).toBeNull();
		const pttl = await client.pttl("t4:lock:conn");
		expect(pttl).toBeGreaterThan(0);
		expect(pttl).toBeLessThanOrEqual(100);
		await new Promise((resolve) => setTimeout(resolve, 150));
		const second = await store.lock("conn", 10_000);
		expect(second).not.toBeNull();
		await first?.release();
		expect(await client.exists("t4:lock:conn")).toBe(1);
		expect(await store.lock("conn", 10_000)).toBeNull();
		await second?.release();
		expect(await client.exists("t4:lock:conn")).toBe(0);
	});

	it("backs a TokenManager: invalid_grant is recorded in Redis for every process to see", async () => {
		const endpoint = new RotatingTokenEndpoint();
		const store = new RedisTokenStore({ client, prefix: "t5:" });
		const { Atlassian } = await import("../../src/index.js");
		const manager = new TokenManager(new Atlassian("id", "secret", "https://app.example/cb", { fetch: endpoint.fetch }), { store });
		await manager.save("conn", new OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: 10 }));
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		endpoint.current = "revoked";
		await expect(manager.refresh("conn")).rejects.toMatchObject({ code: "invalid_grant" });
		expect(JSON.parse((await client.get("t5:tokens:conn")) ?? "{}").reauthorizationRequired).toBe(true);
	});
});

describe("rotation across real processes", () => {
	const LOCK_TTL_MS = 2_000;
	let tokenServer: Server;
	let origin: string;
	let endpoint: RotatingTokenEndpoint;
	/** When set, the next refresh request is held unanswered (and unprocessed) until its client goes away. */
	let holdNextRequest = false;
	let heldRequests = 0;
	let workerFile: string;

	beforeAll(async () => {
		tokenServer = createServer((request, response) => {
			let body = "";
			request.on("data", (chunk) => {
				body += chunk;
			});
			request.on("end", () => {
				if (holdNextRequest) {
					holdNextRequest = false;
					heldRequests++;
					return; // never processed: a worker killed now has spent nothing
				}
				// A little latency widens the window in which uncoordinated workers would collide.
				setTimeout(() => {
					const { status, body: answer, contentType } = endpoint.handle(JSON.parse(body).refresh_token);
					response.writeHead(status, { "Content-Type": contentType }).end(answer);
				}, 15);
			});
		});
		await new Promise<void>((resolve) => tokenServer.listen(0, "127.0.0.1", resolve));
		origin = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}`;
		workerFile = join(tmpdir(), `atlassian-3lo-refresh-worker-${process.pid}.mjs`);
		await build({
			entryPoints: [fileURLToPath(new URL("./refresh-worker.ts", import.meta.url))],
			bundle: true,
			platform: "node",
			format: "esm",
			target: "node18",
			outfile: workerFile,
			logLevel: "error",
			banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
		});
	});

	afterAll(async () => {
		tokenServer.closeAllConnections();
		await new Promise((resolve) => tokenServer.close(resolve));
	});

	interface Worker {
		process: ChildProcess;
		round(calls: number): Promise<{ tokens: string[]; errors: string[] }>;
	}

	async function startWorkers(count: number, prefix: string, naive = false): Promise<Worker[]> {
		return Promise.all(
			Array.from({ length: count }, async () => {
				const child = fork(workerFile, [], {
					env: {
						...process.env,
						REDIS_PORT: String(redis.port),
						TOKEN_SERVER: origin,
						LOCK_TTL_MS: String(LOCK_TTL_MS),
						NAIVE: naive ? "1" : "0",
						PREFIX: prefix,
					},
					stdio: ["ignore", "inherit", "inherit", "ipc"],
				});
				await new Promise((resolve) => child.once("message", resolve));
				return {
					process: child,
					round: (calls: number) =>
						new Promise<{ tokens: string[]; errors: string[] }>((resolve) => {
							child.once("message", (message) => resolve(message as { tokens: string[]; errors: string[] }));
							child.send({ calls });
						}),
				};
			}),
		);
	}

	function stopWorkers(workers: Worker[]) {
		for (const worker of workers) {
			if (worker.process.connected) worker.process.disconnect();
			worker.process.kill();
		}
	}

	async function signIn(prefix: string) {
		const store = new RedisTokenStore({ client, prefix });
		await store.delete("conn");
		const manager = new TokenManager({ refreshAccessToken: () => Promise.reject(new Error("unused")) }, { store });
		await manager.save("conn", new OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: 3600 }));
		return store;
	}

	/** Makes the stored access token due, as if an hour had passed. */
	async function forceExpiry(store: RedisTokenStore) {
		const stored = await store.get("conn");
		if (stored) await store.set("conn", { ...stored, expiresAt: Date.now() - 1_000 });
	}

	it("4 processes × 250 concurrent calls over 10 forced expiries make exactly 10 token requests", async () => {
		endpoint = new RotatingTokenEndpoint("rt-0");
		const store = await signIn("multi:");
		const workers = await startWorkers(4, "multi:");
		try {
			let newest = "";
			for (let expiry = 1; expiry <= 10; expiry++) {
				await forceExpiry(store);
				const results = await Promise.all(workers.map((worker) => worker.round(250)));
				expect(results.flatMap((result) => result.errors)).toEqual([]);
				newest = `at-${expiry}`;
				// Every process holds the newest token, and nobody saw an older one after the expiry.
				for (const result of results) expect(result.tokens).toEqual([newest]);
			}
			expect(endpoint.requests).toBe(10);
			expect(endpoint.rotations).toBe(10);
			expect(endpoint.invalidGrants).toBe(0);
			const final = await store.get("conn");
			expect(final).toMatchObject({ accessToken: newest, refreshToken: endpoint.current, version: 11 });
		} finally {
			stopWorkers(workers);
		}
	}, 120_000);

	it("a worker killed with SIGKILL while holding the lock: the lock expires and the others recover without revocation", async () => {
		endpoint = new RotatingTokenEndpoint("rt-0");
		const store = await signIn("kill:");
		const [victim, ...survivors] = await startWorkers(4, "kill:");
		if (!victim) throw new Error("no workers");
		try {
			await forceExpiry(store);
			holdNextRequest = true;
			const heldBefore = heldRequests;
			void victim.round(1);
			await expect.poll(() => heldRequests, { timeout: 10_000 }).toBe(heldBefore + 1);
			expect(await client.pttl("kill:lock:conn")).toBeGreaterThan(0);
			victim.process.kill("SIGKILL");

			const results = await Promise.all(survivors.map((worker) => worker.round(250)));
			expect(results.flatMap((result) => result.errors)).toEqual([]);
			for (const result of results) expect(result.tokens).toEqual(["at-1"]);
			expect(endpoint.invalidGrants).toBe(0);
			expect(endpoint.rotations).toBe(1);
			expect(await store.get("conn")).toMatchObject({ accessToken: "at-1", refreshToken: endpoint.current });
		} finally {
			stopWorkers([victim, ...survivors]);
		}
	}, 120_000);

	it("the same workers without the lock collide and spend a refresh token twice (the test can fail)", async () => {
		endpoint = new RotatingTokenEndpoint("rt-0");
		const store = await signIn("naive:");
		const workers = await startWorkers(4, "naive:", true);
		try {
			await forceExpiry(store);
			await Promise.all(workers.map((worker) => worker.round(250)));
			expect(endpoint.requests).toBeGreaterThan(1);
			expect(endpoint.invalidGrants).toBeGreaterThan(0);
		} finally {
			stopWorkers(workers);
		}
	}, 120_000);
});
