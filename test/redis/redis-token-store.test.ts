import { type ChildProcess, fork } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OAuth2Tokens, type StoredTokenSet, TokenManager, TokenWriteNotDurableError } from "../../src/index.js";
import { CorruptTokenRecordError, RedisTokenStore } from "../../src/redis/index.js";
import { bundleWorker } from "../support/bundle-worker.js";
import { hasRedisServer, type RedisServer, startRedisServer } from "../support/redis-server.js";
import { rejection } from "../support/rejection.js";
import { RotatingTokenEndpoint } from "../support/rotating-token-endpoint.js";

// Skipped, with one loud line from the global setup, where redis-server is not installed; CI requires it.
describe.skipIf(!hasRedisServer())("on a real redis-server", () => {
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
		it("stores token sets in a hash per connection under the prefix and a hash tag, with a TTL; delete leaves a tombstone", async () => {
			const store = new RedisTokenStore({ client, prefix: "t1:", ttlMs: 60_000 });
			expect(await store.get("conn")).toBeNull();
			expect(await store.getVersion("conn")).toBe(0);
			expect(await store.compareAndSet("conn", 0, tokens)).toBe(true);
			expect(await store.get("conn")).toEqual(tokens);
			const { version, ...data } = tokens;
			expect(await client.hgetall("t1:{conn}:tokens")).toEqual({ v: String(version), d: JSON.stringify(data) });
			const ttl = await client.pttl("t1:{conn}:tokens");
			expect(ttl).toBeGreaterThan(50_000);
			expect(ttl).toBeLessThanOrEqual(60_000);
			await store.delete("conn");
			expect(await store.get("conn")).toBeNull();
			expect(await client.hgetall("t1:{conn}:tokens")).toEqual({ v: "2" });
			expect(await client.pttl("t1:{conn}:tokens")).toBeGreaterThan(50_000);
			expect(await store.getVersion("conn")).toBe(2);
		});

		it("writes only by compare-and-set on the version, a tombstone's included", async () => {
			const store = new RedisTokenStore({ client, prefix: "cas:" });
			expect(await store.compareAndSet("conn", 1, tokens)).toBe(false);
			expect(await store.compareAndSet("conn", 0, tokens)).toBe(true);
			expect(await store.compareAndSet("conn", 0, { ...tokens, version: 2 })).toBe(false);
			expect(await store.compareAndSet("conn", 1, { ...tokens, accessToken: "at-2", version: 2 })).toBe(true);
			await store.delete("conn");
			expect(await store.compareAndSet("conn", 2, { ...tokens, version: 3 })).toBe(false); // based on the deleted record
			expect(await store.compareAndSet("conn", 3, { ...tokens, version: 4 })).toBe(true); // a new sign-in after the delete
			expect(await store.get("conn")).toMatchObject({ version: 4 });
		});

		it("defaults to a 90-day TTL, renewed on every write, and refuses a TTL Redis would refuse", async () => {
			const store = new RedisTokenStore({ client, prefix: "t2:" });
			await store.compareAndSet("conn", 0, tokens);
			expect(await client.pttl("t2:{conn}:tokens")).toBeGreaterThan(89 * 24 * 3600 * 1000);
			for (const ttlMs of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
				expect(() => new RedisTokenStore({ client, ttlMs })).toThrow(/ttlMs must be a whole number/);
			}
		});

		it("refuses a corrupt or foreign record with a typed error and leaves it in place; a new sign-in replaces it", async () => {
			const store = new RedisTokenStore({ client, prefix: "t3:" });
			for (const data of ["not json", JSON.stringify({ accessToken: 1 }), JSON.stringify({ ...tokens, scopes: "read:me" })]) {
				await client.hset("t3:{conn}:tokens", { v: "1", d: data });
				await expect(store.get("conn")).rejects.toBeInstanceOf(CorruptTokenRecordError);
				expect(await client.hget("t3:{conn}:tokens", "d")).toBe(data);
			}
			await client.del("t3:{conn}:tokens");
			await client.set("t3:{conn}:tokens", "a string, not a hash");
			await expect(store.get("conn")).rejects.toBeInstanceOf(CorruptTokenRecordError);
			expect(await store.getVersion("conn")).toBe(0);
			const manager = new TokenManager({ refreshAccessToken: () => Promise.reject(new Error("unused")) }, { store });
			await manager.save("conn", new OAuth2Tokens({ access_token: "at-new", refresh_token: "rt-new", expires_in: 3600 }));
			expect(await store.get("conn")).toMatchObject({ accessToken: "at-new", version: 1 });
		});

		it("leases with SET NX PX; renew and release are owner-checked", async () => {
			const store = new RedisTokenStore({ client, prefix: "t4:" });
			const first = await store.acquireLease("conn", 100);
			expect(first).not.toBeNull();
			expect(await store.acquireLease("conn", 100)).toBeNull();
			const pttl = await client.pttl("t4:{conn}:lease");
			expect(pttl).toBeGreaterThan(0);
			expect(pttl).toBeLessThanOrEqual(100);
			expect(await first?.renew(300)).toBe(true);
			expect(await client.pttl("t4:{conn}:lease")).toBeGreaterThan(200);
			await new Promise((resolve) => setTimeout(resolve, 350));
			const second = await store.acquireLease("conn", 10_000);
			expect(second).not.toBeNull();
			expect(await first?.renew(10_000)).toBe(false);
			await first?.release();
			expect(await client.exists("t4:{conn}:lease")).toBe(1);
			expect(await store.acquireLease("conn", 10_000)).toBeNull();
			await second?.release();
			expect(await client.exists("t4:{conn}:lease")).toBe(0);
		});

		it("indexes connections by when their refresh token was issued, for keepAlive()", async () => {
			const store = new RedisTokenStore({ client, prefix: "idx:" });
			await store.compareAndSet("new", 0, { ...tokens, issuedAt: 300 });
			await store.compareAndSet("old", 0, { ...tokens, issuedAt: 100 });
			await store.compareAndSet("mid", 0, { ...tokens, issuedAt: 200 });
			expect(await store.listIdleKeys(250, { limit: 10 })).toEqual(["old", "mid"]);
			expect(await store.listIdleKeys(1000, { limit: 1 })).toEqual(["old"]);
			await store.compareAndSet("old", 1, { ...tokens, issuedAt: 400, version: 2 });
			await store.delete("mid");
			expect(await store.listIdleKeys(350, { limit: 10 })).toEqual(["new"]);
		});

		it("migrates records written by 0.1 (a JSON string under {prefix}tokens:{key}) to the new layout", async () => {
			const store = new RedisTokenStore({ client, prefix: "mig:" });
			await client.set("mig:tokens:a", JSON.stringify(tokens));
			await client.set("mig:tokens:b", JSON.stringify({ ...tokens, accessToken: "old-b" }));
			await client.set("mig:tokens:junk", "not json");
			await store.compareAndSet("b", 0, { ...tokens, accessToken: "newer-b", version: 1 }); // signed in again since
			expect(await store.migrateLegacyRecords()).toBe(1);
			expect(await store.get("a")).toEqual(tokens);
			expect(await store.get("b")).toMatchObject({ accessToken: "newer-b" });
			expect(await client.exists("mig:tokens:a", "mig:tokens:b")).toBe(0);
			expect(await client.get("mig:tokens:junk")).toBe("not json");
			expect(await store.migrateLegacyRecords()).toBe(0);
		});

		it("durability: WAITs for replicas after each write; too few is TokenWriteNotDurableError, with the write on the primary", async () => {
			const store = new RedisTokenStore({ client, prefix: "dur:", durability: { replicas: 1, timeoutMs: 50 } });
			const error = await rejection(store.compareAndSet("conn", 0, tokens));
			expect(error).toBeInstanceOf(TokenWriteNotDurableError);
			expect(error).toMatchObject({ key: "conn", acknowledged: 0, required: 1 });
			expect(await store.get("conn")).toEqual(tokens); // on this primary; a failover could erase it
			expect(await store.compareAndSet("conn", 0, tokens)).toBe(false); // a refused write needs no replicas
			for (const durability of [
				{ replicas: 0, timeoutMs: 100 },
				{ replicas: 1, timeoutMs: 0 },
				{ replicas: 1.5, timeoutMs: 100 },
			]) {
				expect(() => new RedisTokenStore({ client, durability })).toThrow(/durability needs/);
			}
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
			expect(JSON.parse((await client.hget("t5:{conn}:tokens", "d")) ?? "{}").reauthorizationRequired).toBe(true);
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
			workerFile = await bundleWorker(new URL("./refresh-worker.ts", import.meta.url));
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
			if (stored)
				await store.compareAndSet("conn", stored.version, { ...stored, expiresAt: Date.now() - 1_000, version: stored.version + 1 });
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
				// Per expiry: the forced expiry, the sent mark, and the answer.
				expect(final).toMatchObject({ accessToken: newest, refreshToken: endpoint.current, version: 31 });
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
				expect(await client.pttl("kill:{conn}:lease")).toBeGreaterThan(0);
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
});
