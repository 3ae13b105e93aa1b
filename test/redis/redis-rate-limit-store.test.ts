import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { rateLimitedCall } from "../../src/atlassian/rate-limit-scopes.js";
import { RateLimitBudget } from "../../src/index.js";
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

	describeRateLimitStore("RedisRateLimitStore", twoProcesses);

	it("a pause recorded by one process holds in another's budget within 50 ms, through the notification", async () => {
		const { store, other } = await twoProcesses();
		const call = rateLimitedCall(new URL("https://api.atlassian.com/ex/jira/site-1/rest/api/3/myself"), "GET");
		if (call === null) throw new Error("unreachable");
		const here = new RateLimitBudget(store, { refreshMs: 60_000 });
		const there = new RateLimitBudget(other, { refreshMs: 60_000 });
		expect(await there.reserve(call, 0)).toEqual({ waitMs: 0 }); // read once: trusted for a minute but for notifications
		await new Promise((resolve) => setTimeout(resolve, 50)); // its subscription is in place
		const recordedAt = Date.now();
		await here.observe(
			call,
			new Response(null, { status: 429, headers: { "Retry-After": "30", "RateLimit-Reason": "jira-quota-tenant-based" } }),
		);
		let seenAt = 0;
		while (seenAt === 0 && Date.now() - recordedAt < 1_000) {
			if ("refused" in (await there.reserve(call, 0))) seenAt = Date.now();
			else await new Promise((resolve) => setTimeout(resolve, 2));
		}
		expect(seenAt).toBeGreaterThan(0);
		expect(seenAt - recordedAt).toBeLessThanOrEqual(50);
		here.close();
		there.close();
	});
});
