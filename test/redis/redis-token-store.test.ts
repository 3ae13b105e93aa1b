import { inspect } from "node:util";
import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { Atlassian, OAuth2Tokens, type StoredTokenSet, TokenManager, TokenWriteNotDurableError } from "../../src/index.js";
import { CorruptTokenRecordError, RedisTokenStore } from "../../src/redis/index.js";
import { AtlassianEmulator, DEFAULT_CLIENT } from "../../src/testing/index.js";
import { finishRefreshElsewhere } from "../support/another-process.js";
import { hasRedisServer, type RedisServer, useRedisServer } from "../support/redis-server.js";
import { rejection } from "../support/rejection.js";
import { RotatingTokenEndpoint } from "../support/rotating-token-endpoint.js";
import { describeRotationAcrossProcesses } from "../support/rotation-across-processes.js";

// Skipped, with one loud line from the global setup, where redis-server is not installed; CI requires it.
describe.skipIf(!hasRedisServer())("on a real redis-server", () => {
	let redis: RedisServer;
	let client: Redis;

	useRedisServer((server) => {
		redis = server;
		client = server.client();
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
			// Long enough that a slow machine cannot let it expire between these lines.
			const first = await store.acquireLease("conn", 5_000);
			expect(first).not.toBeNull();
			expect(await store.acquireLease("conn", 100)).toBeNull();
			const pttl = await client.pttl("t4:{conn}:lease");
			expect(pttl).toBeGreaterThan(300);
			expect(pttl).toBeLessThanOrEqual(5_000);
			// Renewing sets the TTL (here a shorter one, so the test need not wait long for it to run out).
			expect(await first?.renew(300)).toBe(true);
			const renewed = await client.pttl("t4:{conn}:lease");
			expect(renewed).toBeGreaterThan(0);
			expect(renewed).toBeLessThanOrEqual(300);
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

		it("sends no token to a hook or a caller when Redis refuses the write (its ReplyError holds the command's arguments)", async () => {
			const emulator = new AtlassianEmulator();
			let refuseWritesOnRefresh = false;
			const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, DEFAULT_CLIENT.redirectURIs[0] as string, {
				hosts: { authorizationServer: "https://emulator.test", apiGateway: "https://emulator.test" },
				fetch: async (input, init) => {
					// Once the refresh is on its way, Redis refuses writes: the rotated set cannot be stored.
					if (refuseWritesOnRefresh) await client.config("SET", "min-replicas-to-write", "1");
					return emulator.handle(new Request(input, init));
				},
			});
			const store = new RedisTokenStore({ client, prefix: "leak:" });
			const handed: unknown[] = [];
			const manager = new TokenManager(atlassian, {
				store,
				onStoreWriteFailed: (_key, error) => handed.push(error),
				onRefreshFailed: (_key, error) => handed.push(error),
			});
			const grant = async () =>
				atlassian.validateAuthorizationCode(
					emulator.issueAuthorizationCode({ redirectURI: DEFAULT_CLIENT.redirectURIs[0] as string, scopes: ["offline_access"] }),
				);
			const saved = await manager.save("conn", await grant());
			const another = await grant();
			try {
				refuseWritesOnRefresh = true;
				const served = await manager.refresh("conn");
				refuseWritesOnRefresh = false;
				const thrown = [await rejection(manager.save("other", another)), await rejection(store.compareAndSet("other-2", 0, served))];
				const secrets = [
					saved.accessToken,
					saved.refreshToken as string,
					served.accessToken,
					served.refreshToken as string,
					another.accessToken(),
					another.refreshToken(),
				];
				expect(handed.length).toBeGreaterThan(0);
				for (const error of [...handed, ...thrown.slice(0, 1)]) {
					const printed = `${inspect(error, { depth: null, showHidden: true })}${JSON.stringify(error)}${String(error)}${causes(error)}`;
					expect(printed).toMatch(/NOREPLICAS/);
					for (const secret of secrets) expect(printed).not.toContain(secret);
				}
				// The store itself throws what ioredis gave it: the manager is what sanitizes.
				expect(inspect(thrown[1], { depth: null })).toContain(served.refreshToken as string);
			} finally {
				await client.config("SET", "min-replicas-to-write", "0");
			}
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

	it("wakes waiters through a subscriber connection; when that connection is killed mid-wait, the waiter still gets the new token", async () => {
		const subscriber = redis.client();
		try {
			const store = new RedisTokenStore({ client, prefix: "notify:", subscriber });
			const atlassian = new Atlassian("id", "secret", "https://app.example/cb", {
				fetch: () => Promise.reject(new Error("the waiter must not refresh")),
			});
			const waiter = new TokenManager(atlassian, { store, leaseTtlMs: 30_000 });
			const saved = await waiter.save("conn", new OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: 0 }));
			const lease = await store.acquireLease("conn", 30_000); // another process is refreshing
			const waiting = waiter.getAccessToken("conn");
			const subscribers = async () => Number(((await client.pubsub("NUMSUB", "notify:{conn}:changed")) as [string, number])[1]);
			await expect.poll(subscribers, { timeout: 5_000 }).toBe(1);
			// The notifier connection dies while the waiter waits.
			await client.client("KILL", "TYPE", "pubsub");
			expect(await subscribers()).toBe(0);
			expect(await finishRefreshElsewhere(store, saved, lease)).toBe(true);
			expect(await waiting).toBe("at-1");
		} finally {
			subscriber.disconnect();
		}
	});

	it("wakes waiters without any option, on a connection of its own opened on the first wait; close() closes it; subscriber: false polls", async () => {
		const own = redis.client();
		try {
			const store = new RedisTokenStore({ client: own, prefix: "default-notify:" });
			const connections = async () => (String(await client.call("CLIENT", "LIST")).match(/^id=/gm) ?? []).length;
			await own.ping(); // its own connection is open before counting, however fast the earlier tests ran
			const before = await connections();
			const atlassian = new Atlassian("id", "secret", "https://app.example/cb", {
				fetch: () => Promise.reject(new Error("the waiter must not refresh")),
			});
			// Polling after 500 ms at the latest: a wake-up well under that is the notification.
			const waiter = new TokenManager(atlassian, { store, leaseTtlMs: 30_000 });
			const saved = await waiter.save("conn", new OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: 0 }));
			expect(await connections()).toBe(before); // nothing opened before anyone waits
			const lease = await store.acquireLease("conn", 30_000);
			const waiting = waiter.getAccessToken("conn");
			const subscribers = async () => Number(((await client.pubsub("NUMSUB", "default-notify:{conn}:changed")) as [string, number])[1]);
			await expect.poll(subscribers, { timeout: 5_000 }).toBe(1);
			// Let the waiter settle into a long backoff sleep, then finish the refresh elsewhere.
			await new Promise((resolve) => setTimeout(resolve, 1_500));
			const finishedAt = Date.now();
			expect(await finishRefreshElsewhere(store, saved, lease)).toBe(true);
			expect(await waiting).toBe("at-1");
			expect(Date.now() - finishedAt).toBeLessThan(250);
			expect(await connections()).toBe(before + 1);
			await store.close();
			await expect.poll(connections, { timeout: 5_000 }).toBe(before);
			expect(new RedisTokenStore({ client: own, subscriber: false }).watch).toBeUndefined();
		} finally {
			own.disconnect();
		}
	});

	it("refuses its own client as the subscriber", () => {
		expect(() => new RedisTokenStore({ client, subscriber: client })).toThrow(/connection of its own/);
	});

	describeRotationAcrossProcesses(() => ({
		workerEnv: () => ({ REDIS_PORT: String(redis.port) }),
		store: async (prefix) => {
			const store = new RedisTokenStore({ client, prefix });
			await store.delete("conn");
			return store;
		},
		isLeaseHeld: async (prefix) => (await client.pttl(`${prefix}{conn}:lease`)) > 0,
	}));
});

/** Every cause down the chain, as util.inspect prints each. */
function causes(error: unknown): string {
	let text = "";
	for (let cause = (error as { cause?: unknown })?.cause, depth = 0; cause !== undefined && depth < 10; depth++) {
		text += inspect(cause, { depth: null, showHidden: true });
		cause = (cause as { cause?: unknown })?.cause;
	}
	return text;
}
