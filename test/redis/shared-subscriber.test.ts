import type { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import type { StoredTokenSet } from "../../src/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";
import { hasRedisServer, type RedisServer, useRedisServer } from "../support/redis-server.js";

// Skipped, with one loud line from the global setup, where redis-server is not installed; CI requires it.
describe.skipIf(!hasRedisServer())("one message listener per subscriber, on a real redis-server", () => {
	let redis: RedisServer;
	let client: Redis;

	useRedisServer((server) => {
		redis = server;
		client = server.client();
	});

	const tokens: StoredTokenSet = { accessToken: "at", refreshToken: "rt", expiresAt: 1_800_000_000_000, scopes: ["read:me"], version: 1 };

	it("any number of stores share a subscriber through one message listener; close() lets go of theirs", async () => {
		const subscriber = redis.client();
		try {
			const stores = Array.from({ length: 301 }, () => new RedisTokenStore({ client, prefix: "shared:", subscriber }));
			const woken = new Set<number>();
			const stops = stores.map((store, index) => store.watch?.(`conn-${index % 3}`, () => woken.add(index)));
			expect(subscriber.listenerCount("message")).toBe(1);
			const subscribers = async () => Number(((await client.pubsub("NUMSUB", "shared:{conn-0}:changed")) as [string, number])[1]);
			await expect.poll(subscribers, { timeout: 5_000 }).toBe(1);
			await stores[0]?.compareAndSet("conn-0", 0, tokens);
			await expect.poll(() => woken.size, { timeout: 5_000 }).toBe(101);
			stops[0]?.();
			for (const store of stores) await store.close();
			expect(subscriber.listenerCount("message")).toBe(0);
			await expect.poll(subscribers, { timeout: 5_000 }).toBe(0);
		} finally {
			subscriber.disconnect();
		}
	});
});
