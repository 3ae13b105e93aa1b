import type { Redis } from "ioredis";
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { Atlassian, createAtlassianFetch, RateLimitBudget, type RateLimitStore } from "../../src/index.js";
import { PostgresRateLimitStore } from "../../src/postgres/index.js";
import { RedisRateLimitStore } from "../../src/redis/index.js";
import { AtlassianEmulator, DEFAULT_CLIENT, DEFAULT_SITE, type EmulatedAtlassianLimits } from "../../src/testing/index.js";
import { usePostgresServer } from "../support/postgres-server.js";
import { hasRedisServer, type RedisServer, startRedisServer } from "../support/redis-server.js";

// The budget on the stores workers share: each worker its own client (as its own process would have), the
// emulator answering with Atlassian's limits.

const REDIRECT_URI = DEFAULT_CLIENT.redirectURIs[0] as string;

async function gateway(limits: EmulatedAtlassianLimits) {
	// A clock that stands still: the emulator's windows never roll over mid-test (a second boundary would refill the
	// burst window); the budget's pauses still run on real time.
	const emulator = new AtlassianEmulator({ atlassianRateLimits: limits, now: () => Date.UTC(2026, 2, 2, 9, 0, 30) });
	const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, REDIRECT_URI, {
		hosts: { authorizationServer: "https://emulator.test", apiGateway: "https://emulator.test" },
		fetch: (input, init) => emulator.handle(new Request(input, init)),
	});
	const code = emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ["read:jira-work", "write:jira-work"] });
	const accessToken = (await atlassian.validateAuthorizationCode(code)).accessToken();
	const url = (path: string) => `https://emulator.test/ex/jira/${DEFAULT_SITE.id}${path}`;
	const worker = (budget: RateLimitBudget) => createAtlassianFetch(atlassian, { accessToken }, { rateLimit: budget, retry: false });
	return { worker, url };
}

const put = { method: "PUT", body: JSON.stringify({ fields: {} }), headers: { "Content-Type": "application/json" } };

function describeBudget(name: string, twoWorkers: () => Promise<[RateLimitStore, RateLimitStore]>) {
	describe(`RateLimitBudget on ${name}`, () => {
		it("each RateLimit-Reason pauses its scope for the other worker, and no other scope", async () => {
			const { worker, url } = await gateway({ burstPerSecond: { read: 1 }, perIssueWrites: [{ limit: 1, windowSeconds: 60 }] });
			const [mine, theirs] = await twoWorkers();
			const [here, there] = [worker(new RateLimitBudget(mine)), worker(new RateLimitBudget(theirs))];
			await here(url("/rest/api/3/issue/ENG-1"));
			expect((await here(url("/rest/api/3/issue/ENG-1"))).headers.get("ratelimit-reason")).toBe("jira-burst-based");
			expect((await there(url("/rest/api/3/issue/ENG-2"))).headers.get("x-rate-budget")).toBe("held");
			expect((await there(url("/rest/api/3/issue/ENG-2"), put)).status).toBe(204); // writes are another class
			expect((await here(url("/rest/api/3/issue/ENG-2"), put)).headers.get("ratelimit-reason")).toBe("jira-per-issue-on-write");
			await new Promise((resolve) => setTimeout(resolve, 50)); // the other worker read that scope before: it hears of the pause
			expect((await there(url("/rest/api/3/issue/ENG-2"), put)).headers.get("x-rate-budget")).toBe("held");
			expect((await there(url("/rest/api/3/issue/ENG-3"), put)).status).toBe(204);
		});

		it("a near limit seen by one worker paces the other's calls", async () => {
			const { worker, url } = await gateway({ sitePointsPerHour: 100, hourSeconds: 60 });
			const [mine, theirs] = await twoWorkers();
			const budget = new RateLimitBudget(theirs);
			const here = worker(new RateLimitBudget(mine));
			for (let call = 0; call < 14; call++) await here(url("/rest/api/3/search/jql?jql=project%3DENG&maxResults=5"));
			expect((await here(url("/rest/api/3/issue/ENG-1"))).headers.get("x-ratelimit-nearlimit")).toBe("true");
			const { holds } = await budget.status();
			expect(holds.find((hold) => hold.reason === "near-limit")?.intervalMs).toBeGreaterThan(0);
		});
	});
}

describe.skipIf(!hasRedisServer())("on a real redis-server", () => {
	const clients: Redis[] = [];
	const stores: RedisRateLimitStore[] = [];
	let redis: RedisServer;
	let run = 0;
	afterAll(async () => {
		for (const store of stores) await store.close();
		for (const client of clients) client.disconnect();
		await redis?.stop();
	});
	describeBudget("RedisRateLimitStore", async () => {
		redis ??= await startRedisServer();
		const prefix = `budget-${run++}:`;
		const made = [0, 1].map(() => {
			const client = redis.client();
			clients.push(client);
			return new RedisRateLimitStore({ client, prefix });
		});
		stores.push(...made);
		// Each worker's subscription in place before the test, as in a worker that has been running a while.
		for (const store of made) store.watch(() => {});
		await new Promise((resolve) => setTimeout(resolve, 100));
		return made as [RedisRateLimitStore, RedisRateLimitStore];
	});

	it("a lost redis-server degrades each worker to what it knows itself: no hang, its own 429s still pause it", async () => {
		const server = await startRedisServer();
		const client = server.client({ maxRetriesPerRequest: 1, enableOfflineQueue: true, retryStrategy: () => 200 });
		clients.push(client);
		const store = new RedisRateLimitStore({ client, prefix: "lost:", subscriber: false });
		const { worker, url } = await gateway({ burstPerSecond: { read: 1 } });
		const fetch = worker(new RateLimitBudget(store, { storeTimeoutMs: 100 }));
		expect((await fetch(url("/rest/api/3/issue/ENG-1"))).status).toBe(200);
		await server.kill();
		const started = Date.now();
		expect((await fetch(url("/rest/api/3/issue/ENG-1"))).status).toBe(429);
		expect((await fetch(url("/rest/api/3/issue/ENG-1"))).headers.get("x-rate-budget")).toBe("held");
		expect(Date.now() - started).toBeLessThan(2_000);
		await server.stop();
	});
});

describe("on PostgreSQL 18", () => {
	let pools: pg.Pool[] = [];
	let run = 0;
	const stores: PostgresRateLimitStore[] = [];
	usePostgresServer((_server, made) => {
		pools = made;
	}, 2);
	afterAll(async () => {
		for (const store of stores) await store.close();
	});
	describeBudget("PostgresRateLimitStore", async () => {
		const table = `budget_${run++}`;
		// Each with its own LISTEN connection, as each worker process would have.
		const made = pools.map((pool) => new PostgresRateLimitStore({ client: pool, table }));
		stores.push(...made);
		await made[0]?.ensureSchema();
		for (const store of made) store.watch(() => {});
		await new Promise((resolve) => setTimeout(resolve, 200)); // LISTEN in place
		return made as [PostgresRateLimitStore, PostgresRateLimitStore];
	});

	it("a pool that cannot reach the database degrades to per-process: no hang, its own 429s still pause it", async () => {
		const unreachable = { query: () => new Promise<never>(() => {}) };
		const store = new PostgresRateLimitStore({ client: unreachable, listener: false });
		const { worker, url } = await gateway({ burstPerSecond: { read: 1 } });
		const fetch = worker(new RateLimitBudget(store, { storeTimeoutMs: 100 }));
		const started = Date.now();
		expect((await fetch(url("/rest/api/3/issue/ENG-1"))).status).toBe(200);
		expect((await fetch(url("/rest/api/3/issue/ENG-1"))).status).toBe(429);
		expect((await fetch(url("/rest/api/3/issue/ENG-1"))).headers.get("x-rate-budget")).toBe("held");
		expect(Date.now() - started).toBeLessThan(2_000);
	});
});
