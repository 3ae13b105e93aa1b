// RedisTokenStore on a real 3-primary Redis Cluster (three redis-server processes and redis-cli --cluster create):
// every key of one connection shares a hash tag, so each script touches one slot, and connections spread
// over all primaries.
import { type ChildProcess, fork } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Atlassian, type StoredTokenSet, TokenManager, TokenWriteNotDurableError } from "../../src/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";
import { DEFAULT_CLIENT } from "../../src/testing/index.js";
import { bundleWorker } from "../support/bundle-worker.js";
import { hasRedisServer } from "../support/redis-server.js";
import { type RedisCluster, startRedisCluster } from "../support/redis-topologies.js";
import { rejection } from "../support/rejection.js";
import { startTokenServer, type TokenServer } from "../support/token-server.js";

const REDIRECT_URI = DEFAULT_CLIENT.redirectURIs[0] as string;

// Skipped, with one loud line from the global setup, where redis-server is not installed; CI requires it.
describe.skipIf(!hasRedisServer())("RedisTokenStore on a 3-primary Redis Cluster", () => {
	let cluster: RedisCluster;
	let server: TokenServer;

	beforeAll(async () => {
		cluster = await startRedisCluster();
		server = await startTokenServer({ refreshTokenReuseIntervalSeconds: 0 }); // strict: any double spend revokes
	}, 30_000);
	afterAll(async () => {
		await server?.close();
		await cluster?.stop();
	});

	const tokens: StoredTokenSet = {
		accessToken: "at",
		refreshToken: "rt",
		expiresAt: 1_800_000_000_000,
		scopes: [],
		version: 1,
		issuedAt: 5,
	};

	it("works unchanged with an ioredis Cluster: compare-and-set, tombstones, leases, the idle index, and WAIT on the key's node", async () => {
		const store = new RedisTokenStore({ client: cluster.client(), prefix: "unit:" });
		expect(await store.compareAndSet("conn", 0, tokens)).toBe(true);
		expect(await store.compareAndSet("conn", 0, tokens)).toBe(false);
		expect(await store.get("conn")).toEqual(tokens);
		expect(await store.listIdleKeys(10, { limit: 10 })).toEqual([{ key: "conn", issuedAt: 5 }]);
		const lease = await store.acquireLease("conn", 1_000);
		expect(await store.acquireLease("conn", 1_000)).toBeNull();
		expect(await lease?.renew(1_000)).toBe(true);
		await lease?.release();
		await store.delete("conn");
		expect(await store.get("conn")).toBeNull();
		expect(await store.getVersion("conn")).toBe(2);
		// No replicas in this cluster: WAIT, sent with the write to the key's primary, gets no acknowledgement.
		const durable = new RedisTokenStore({ client: cluster.client(), prefix: "unit:", durability: { replicas: 1, timeoutMs: 50 } });
		expect(await rejection(durable.compareAndSet("other", 0, tokens))).toBeInstanceOf(TokenWriteNotDurableError);
	});

	it("4 processes × 250 concurrent calls × 10 forced expiries, one connection per primary: exactly 10 token requests per connection", async () => {
		const prefix = "multi:";
		// One connection per primary, so the keys spread over all three.
		const keys: string[] = [];
		const primaries = new Set<number>();
		for (let index = 0; keys.length < 3 && index < 1_000; index++) {
			const primary = await cluster.primaryFor(`${prefix}{conn-${index}}:tokens`);
			if (!primaries.has(primary)) {
				primaries.add(primary);
				keys.push(`conn-${index}`);
			}
		}
		expect([...primaries].sort()).toEqual([...cluster.ports].sort());
		for (const key of keys) {
			expect(await cluster.primaryFor(`${prefix}{${key}}:lease`)).toBe(await cluster.primaryFor(`${prefix}{${key}}:tokens`));
		}

		const client = cluster.client();
		const store = new RedisTokenStore({ client, prefix });
		const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, REDIRECT_URI, { hosts: server.hosts });
		const manager = new TokenManager(atlassian, { store });
		for (const key of keys) {
			const code = server.emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ["read:me", "offline_access"] });
			await manager.save(key, await atlassian.validateAuthorizationCode(code));
		}
		const workerFile = await bundleWorker(new URL("../support/refresh-worker.ts", import.meta.url));
		const workers: ChildProcess[] = await Promise.all(
			Array.from({ length: 4 }, async () => {
				const child = fork(workerFile, [], {
					env: {
						...process.env,
						CLUSTER_PORTS: cluster.ports.join(","),
						TOKEN_SERVER: server.url,
						LOCK_TTL_MS: "2000",
						PREFIX: prefix,
						KEYS: keys.join(","),
						CLIENT_ID: DEFAULT_CLIENT.clientId,
						CLIENT_SECRET: DEFAULT_CLIENT.clientSecret,
					},
					stdio: ["ignore", "inherit", "inherit", "ipc"],
				});
				await new Promise((resolve) => child.once("message", resolve));
				return child;
			}),
		);
		const round = (worker: ChildProcess) =>
			new Promise<{ tokensByKey: Record<string, string[]>; errors: string[] }>((resolve) => {
				worker.once("message", (message) => resolve(message as { tokensByKey: Record<string, string[]>; errors: string[] }));
				worker.send({ calls: 250 });
			});
		try {
			for (let expiry = 1; expiry <= 10; expiry++) {
				for (const key of keys) {
					const stored = (await store.get(key)) as StoredTokenSet;
					await store.compareAndSet(key, stored.version, { ...stored, expiresAt: Date.now() - 1_000, version: stored.version + 1 });
				}
				const results = await Promise.all(workers.map(round));
				expect(results.flatMap((result) => result.errors)).toEqual([]);
				for (const key of keys) {
					// Every process holds the same new token for each connection.
					const seen = new Set(results.flatMap((result) => result.tokensByKey[key] ?? []));
					expect(seen.size).toBe(1);
					expect((await store.get(key))?.accessToken).toBe([...seen][0]);
				}
			}
			expect(server.emulator.refreshStats).toEqual({ rotations: 30, reuses: 0, revocations: 0 });
			expect(server.invalidGrants).toBe(0);
			for (const key of keys) {
				const stored = await store.get(key);
				// Per expiry: the forced expiry, the sent mark, the answer.
				expect(stored?.version).toBe(31);
				expect(server.emulator.isRefreshTokenCurrent(stored?.refreshToken ?? "")).toBe(true);
			}
			console.log(
				`cluster: connections ${keys.join(", ")} on primaries ${[...primaries].join(", ")}; 4 processes × 250 calls × 10 expiries → ${server.emulator.refreshStats.rotations} token requests (10 per connection), ${server.invalidGrants} invalid_grant`,
			);
		} finally {
			for (const worker of workers) {
				if (worker.connected) worker.disconnect();
				worker.kill();
			}
		}
	}, 120_000);
});
