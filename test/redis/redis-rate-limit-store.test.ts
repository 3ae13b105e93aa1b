import type { Redis } from "ioredis";
import { afterAll, describe } from "vitest";
import { RedisRateLimitStore } from "../../src/redis/index.js";
import { describeRateLimitStore } from "../support/rate-limit-store-contract.js";
import { hasRedisServer, type RedisServer, useRedisServer } from "../support/redis-server.js";

describe.skipIf(!hasRedisServer())("RedisRateLimitStore on a real redis-server", () => {
	let redis: RedisServer;
	const clients: Redis[] = [];
	const stores: RedisRateLimitStore[] = [];
	useRedisServer((server) => {
		redis = server;
	});
	afterAll(async () => {
		for (const store of stores) await store.close();
		for (const client of clients) client.disconnect();
	});
	let run = 0;
	const twoProcesses = async () => {
		const prefix = `rl-${run++}:`;
		const [first, second] = [redis.client(), redis.client()];
		clients.push(first, second);
		const made = [new RedisRateLimitStore({ client: first, prefix }), new RedisRateLimitStore({ client: second, prefix })];
		stores.push(...made);
		return { store: made[0] as RedisRateLimitStore, other: made[1] as RedisRateLimitStore };
	};

	describeRateLimitStore("RedisRateLimitStore", twoProcesses, 50);
});
