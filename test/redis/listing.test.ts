import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import type { StoredTokenSet } from "../../src/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";
import { hasRedisServer, type RedisServer, useRedisServer } from "../support/redis-server.js";

// Skipped, with one loud line from the global setup, where redis-server is not installed; CI requires it.
describe.skipIf(!hasRedisServer())("the keep-alive index and the 0.1 migration, on a real redis-server", () => {
	let _redis: RedisServer;
	let client: Redis;

	useRedisServer((server) => {
		_redis = server;
		client = server.client();
	});

	const tokens: StoredTokenSet = { accessToken: "at", refreshToken: "rt", expiresAt: 1_800_000_000_000, scopes: ["read:me"], version: 1 };

	it("indexes connections by when their refresh token was issued, for keepAlive()", async () => {
		const store = new RedisTokenStore({ client, prefix: "idx:" });
		await store.compareAndSet("new", 0, { ...tokens, issuedAt: 300 });
		await store.compareAndSet("old", 0, { ...tokens, issuedAt: 100 });
		await store.compareAndSet("mid", 0, { ...tokens, issuedAt: 200 });
		expect(await store.listIdleKeys(250, { limit: 10 })).toEqual([
			{ key: "old", issuedAt: 100 },
			{ key: "mid", issuedAt: 200 },
		]);
		expect(await store.listIdleKeys(1000, { limit: 1 })).toEqual([{ key: "old", issuedAt: 100 }]);
		await store.compareAndSet("old", 1, { ...tokens, issuedAt: 400, version: 2 });
		await store.delete("mid");
		expect(await store.listIdleKeys(350, { limit: 10 })).toEqual([{ key: "new", issuedAt: 300 }]);
		// Marked for re-authorization: it leaves the index.
		await store.compareAndSet("new", 1, { ...tokens, issuedAt: 300, reauthorizationRequired: true, version: 2 });
		expect(await client.zscore("idx:issued-at", "new")).toBeNull();
	});

	it("an index entry whose record expired by its TTL is removed when met, and never listed", async () => {
		const shortLived = new RedisTokenStore({ client, prefix: "ttl:", ttlMs: 50 });
		const kept = new RedisTokenStore({ client, prefix: "ttl:" });
		for (let index = 0; index < 100; index++) await shortLived.compareAndSet(`gone-${index}`, 0, { ...tokens, issuedAt: 100 + index });
		await kept.compareAndSet("alive", 0, { ...tokens, issuedAt: 500 });
		await new Promise((resolve) => setTimeout(resolve, 150));
		expect(await client.zcard("ttl:issued-at")).toBe(101);
		// With the default limit, the 100 expired entries would once have filled the page.
		expect(await kept.listIdleKeys(1_000, { limit: 100 })).toEqual([{ key: "alive", issuedAt: 500 }]);
		expect(await client.zcard("ttl:issued-at")).toBe(1);
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
});
