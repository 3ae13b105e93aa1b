import { describe, expect, it } from "vitest";
import { rateLimitedCall } from "../../src/atlassian/rate-limit-scopes.js";
import {
	Atlassian,
	type AtlassianFetchOptions,
	createAtlassianFetch,
	MemoryRateLimitStore,
	RateLimitBudget,
	type RateLimitStore,
} from "../../src/index.js";
import { AtlassianEmulator, DEFAULT_CLIENT, DEFAULT_SITE, DEFAULT_USER, type EmulatedAtlassianLimits } from "../../src/testing/index.js";

const REDIRECT_URI = DEFAULT_CLIENT.redirectURIs[0] as string;
const OTHER_SITE = { ...structuredClone(DEFAULT_SITE), id: "2b6f1c3e-0000-4000-8000-000000000002", name: "globex" };

/** The emulator with Atlassian's limits, an access token to two sites, and workers that share one budget store. */
async function world(limits: EmulatedAtlassianLimits, clock: "real" | "still" = "still") {
	const emulator = new AtlassianEmulator({
		// Standing still, the emulator's windows never roll over mid-test; the budget's pauses run on real time.
		...(clock === "still" ? { now: () => Date.UTC(2026, 2, 2, 9, 0, 30) } : {}),
		sites: [structuredClone(DEFAULT_SITE), OTHER_SITE],
		users: [{ ...structuredClone(DEFAULT_USER), siteIds: [DEFAULT_SITE.id, OTHER_SITE.id] }],
		atlassianRateLimits: limits,
	});
	const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, REDIRECT_URI, {
		hosts: { authorizationServer: "https://emulator.test", apiGateway: "https://emulator.test" },
		fetch: (input, init) => emulator.handle(new Request(input, init)),
	});
	const code = emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ["read:jira-work", "write:jira-work"] });
	const accessToken = (await atlassian.validateAuthorizationCode(code)).accessToken();
	const sent = () => emulator.requests.filter((request) => request.path.startsWith("/ex/")).length;
	/** One worker: its own budget on the shared store, its own fetch. */
	const worker = (store: RateLimitStore, options: AtlassianFetchOptions = {}, budget = new RateLimitBudget(store)) =>
		createAtlassianFetch(atlassian, { accessToken }, { rateLimit: budget, ...options });
	const at = (site: string, path: string) => `https://emulator.test/ex/jira/${site}${path}`;
	return { emulator, worker, sent, at };
}

const put = { method: "PUT", body: JSON.stringify({ fields: {} }), headers: { "Content-Type": "application/json" } };

describe("RateLimitBudget with createAtlassianFetch: one budget for every worker", () => {
	it("a 429 one worker gets pauses the others' calls in its scope: held back at once past maxWaitMs, nothing sent", async () => {
		const { worker, sent, at } = await world({ sitePointsPerHour: 2 });
		const store = new MemoryRateLimitStore();
		const first = worker(store, { retry: false });
		const second = worker(store, { retry: false });
		expect((await first(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-1"))).status).toBe(200); // 2 points: spent
		const refused = await first(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-1"));
		expect(refused.status).toBe(429);
		expect(refused.headers.get("x-rate-budget")).toBeNull(); // Atlassian's own
		const before = sent();
		const held = await second(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-2"));
		expect(held.status).toBe(429);
		expect(held.headers.get("x-rate-budget")).toBe("held");
		expect(held.headers.get("ratelimit-reason")).toBe("jira-quota-tenant-based");
		// Until the quota's hour ends, as Atlassian said.
		expect(Number(held.headers.get("retry-after"))).toBeGreaterThanOrEqual(Number(refused.headers.get("retry-after")) - 1);
		expect(sent()).toBe(before); // it never left
		// The other site is another scope.
		expect((await second(at(OTHER_SITE.id, "/rest/api/3/issue/ENG-2"))).status).toBe(200);
	});

	it("each RateLimit-Reason pauses the right scope and no other", async () => {
		const { worker, at } = await world({ burstPerSecond: { read: 1 }, perIssueWrites: [{ limit: 1, windowSeconds: 60 }] });
		const fetch = worker(new MemoryRateLimitStore(), { retry: false });
		const site = (path: string, init?: RequestInit) => fetch(at(DEFAULT_SITE.id, path), init);
		// Burst on reads: reads of this site wait; writes and the other site go on.
		await site("/rest/api/3/issue/ENG-1");
		expect((await site("/rest/api/3/issue/ENG-1")).headers.get("ratelimit-reason")).toBe("jira-burst-based");
		expect((await site("/rest/api/3/issue/ENG-1")).headers.get("x-rate-budget")).toBe("held");
		expect((await site("/rest/api/3/issue/ENG-2", put)).status).toBe(204);
		expect((await fetch(at(OTHER_SITE.id, "/rest/api/3/issue/ENG-1"))).status).toBe(200);
		// Per-issue writes: that issue waits; another issue does not.
		expect((await site("/rest/api/3/issue/ENG-2", put)).headers.get("ratelimit-reason")).toBe("jira-per-issue-on-write");
		expect((await site("/rest/api/3/issue/ENG-2", put)).headers.get("x-rate-budget")).toBe("held");
		expect((await site("/rest/api/3/issue/ENG-3", put)).status).toBe(204);
	});

	it("within maxWaitMs a paused call waits for the pause to end, then goes, with every worker", async () => {
		const { emulator, worker, sent, at } = await world({});
		const store = new MemoryRateLimitStore();
		const [first, second] = [worker(store), worker(store)];
		await first(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-1"));
		// Atlassian's next answer: a burst 429 with Retry-After 1 s; it pauses the site's reads for both workers.
		emulator.injectFault({
			pathPrefix: "/ex/",
			status: 429,
			headers: { "Retry-After": "1", "RateLimit-Reason": "jira-burst-based" },
			body: '{"code":429,"message":"Rate limit exceeded"}',
		});
		const before = sent();
		const started = Date.now();
		const [a, b] = await Promise.all([
			first(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-1")),
			new Promise((resolve) => setTimeout(resolve, 50)).then(async () => {
				const response = await second(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-2"));
				return { status: response.status, doneAfterMs: Date.now() - started };
			}),
		]);
		expect(a.status).toBe(200);
		expect(b.status).toBe(200);
		// The second worker did not run into the pause: it waited it out, and sent once.
		expect(b.doneAfterMs).toBeGreaterThanOrEqual(900);
		expect(sent() - before).toBe(3); // the 429, the first worker's retry, the second's one call
	});

	it("a near limit paces the scope: calls are spaced so that what is left lasts until the reset", async () => {
		const { worker, at } = await world({ sitePointsPerHour: 100, hourSeconds: 60 });
		const store = new MemoryRateLimitStore();
		const budget = new RateLimitBudget(store);
		const fetch = worker(store, {}, budget);
		// Spend past 80 %: a search of five issues costs 6 points.
		for (let call = 0; call < 14; call++) await fetch(at(DEFAULT_SITE.id, "/rest/api/3/search/jql?jql=project%3DENG&maxResults=5"));
		const near = await fetch(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-1"));
		expect(near.headers.get("x-ratelimit-nearlimit")).toBe("true");
		const [pace] = (await budget.status()).holds;
		expect(pace).toMatchObject({ scope: `site:jira:${DEFAULT_SITE.id}`, reason: "near-limit" });
		const left = Number(/r=(\d+)/.exec(near.headers.get("beta-ratelimit") ?? "")?.[1]);
		const seconds = Number(/t=(\d+)/.exec(near.headers.get("beta-ratelimit") ?? "")?.[1]);
		expect(pace?.intervalMs).toBe(Math.ceil((seconds * 1000) / left));
		// Two calls now: the second is booked one interval after the first, in every worker.
		const call = rateLimitedCall(new URL(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-1")), "GET");
		if (call === null) throw new Error("unreachable");
		const other = new RateLimitBudget(store);
		const first = await other.reserve(call, 3_600_000);
		const second = await budget.reserve(call, 3_600_000);
		expect("waitMs" in second && "waitMs" in first && second.waitMs - first.waitMs).toBeGreaterThanOrEqual((pace?.intervalMs ?? 0) - 50);
	});

	it("proactive limits: perSecond keeps the fleet under the burst limit, shared by the workers", async () => {
		const { worker, at } = await world({ burstPerSecond: { read: 20 } }, "real");
		const store = new MemoryRateLimitStore();
		const budgets = [1, 2].map(() => new RateLimitBudget(store, { limits: { burst: { perSecond: 10 } } }));
		const fetches = budgets.map((budget) => worker(store, {}, budget));
		const started = Date.now();
		const statuses = await Promise.all(
			Array.from({ length: 12 }, (_, index) => fetches[index % 2]?.(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-1")).then((r) => r.status)),
		);
		expect(statuses.every((status) => status === 200)).toBe(true);
		expect(Date.now() - started).toBeGreaterThanOrEqual(1_000); // 12 calls at 10 per second, across both
	});

	it("a store that fails or never answers leaves each worker on its own knowledge: no hang, its own 429s still pause it", async () => {
		const { worker, at } = await world({ burstPerSecond: { read: 1 } });
		const never = new Promise<never>(() => {});
		const broken: RateLimitStore = {
			getHolds: () => never,
			hold: () => Promise.reject(new Error("connection lost")),
			reserveSlots: () => never,
			countRateLimited: () => never,
			snapshot: () => never,
		};
		const fetch = worker(broken, { retry: false }, new RateLimitBudget(broken, { storeTimeoutMs: 50 }));
		const started = Date.now();
		expect((await fetch(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-1"))).status).toBe(200);
		expect((await fetch(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-1"))).status).toBe(429);
		expect((await fetch(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-1"))).headers.get("x-rate-budget")).toBe("held");
		expect(Date.now() - started).toBeLessThan(1_000);
	});

	it("status(): the holds in force and the last hour's 429s by reason", async () => {
		const { worker, at } = await world({ burstPerSecond: { read: 1 } });
		const store = new MemoryRateLimitStore();
		const budget = new RateLimitBudget(store);
		const fetch = worker(store, { retry: false }, budget);
		await fetch(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-1"));
		await fetch(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-1"));
		const status = await budget.status();
		expect(status.rateLimited).toEqual({ "jira-burst-based": 1 });
		expect(status.holds).toMatchObject([{ scope: `burst:jira:${DEFAULT_SITE.id}:read`, reason: "jira-burst-based" }]);
	});

	it("isPaused(): a pause recorded while a call waited for its slot holds it too", async () => {
		const store = new MemoryRateLimitStore();
		const budget = new RateLimitBudget(store, { limits: { site: { perSecond: 2 } } });
		const call = rateLimitedCall(new URL(`https://emulator.test/ex/jira/${DEFAULT_SITE.id}/rest/api/3/myself`), "GET");
		if (call === null) throw new Error("unreachable");
		expect(await budget.reserve(call, 10_000)).toEqual({ waitMs: 0 });
		const booked = await budget.reserve(call, 10_000);
		expect("waitMs" in booked && booked.waitMs).toBeGreaterThan(400); // the second slot of the second
		expect(await budget.isPaused(call)).toBe(false);
		await new RateLimitBudget(store).observe(call, new Response(null, { status: 429, headers: { "Retry-After": "30" } }));
		expect(await budget.isPaused(call)).toBe(true);
	});

	it("cheap while nothing is held: at most 0.1 store round trips per call on average (here, one read for 200 calls)", async () => {
		const { worker, at } = await world({});
		const store = new MemoryRateLimitStore();
		let roundTrips = 0;
		const counting =
			<A extends unknown[], R>(call: (...args: A) => R) =>
			(...args: A): R => {
				roundTrips++;
				return call(...args);
			};
		const counted: RateLimitStore = {
			getHolds: counting(store.getHolds.bind(store)),
			hold: counting(store.hold.bind(store)),
			reserveSlots: counting(store.reserveSlots.bind(store)),
			countRateLimited: counting(store.countRateLimited.bind(store)),
			snapshot: counting(store.snapshot.bind(store)),
			watch: (listener) => store.watch(listener),
		};
		const fetch = worker(counted, {}, new RateLimitBudget(counted, { refreshMs: 60_000 }));
		for (let call = 0; call < 200; call++) expect((await fetch(at(DEFAULT_SITE.id, "/rest/api/3/issue/ENG-1"))).status).toBe(200);
		expect(roundTrips / 200).toBeLessThanOrEqual(0.1);
		expect(roundTrips).toBe(1);
	});

	it("refuses a proactive limit that is not a number above 0", () => {
		expect(() => new RateLimitBudget(new MemoryRateLimitStore(), { limits: { site: { perSecond: 0 } } })).toThrow(TypeError);
	});
});
