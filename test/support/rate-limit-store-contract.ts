import { describe, expect, it } from "vitest";
import { rateLimitedCall } from "../../src/atlassian/rate-limit-scopes.js";
import { RateLimitBudget, type RateLimitStore } from "../../src/index.js";

/**
 * What every RateLimitStore does, whatever keeps it: run against memory here, and against the shared stores.
 * `listenMs`: how long a store's notifications take to be in place; the test then checks a pause recorded through
 * one client holds in a budget on the other within 50 ms.
 */
export function describeRateLimitStore(name: string, make: () => Promise<{ store: RateLimitStore; other: RateLimitStore }>, listenMs = 0) {
	describe(`${name}: the RateLimitStore contract`, () => {
		it("a pause recorded by one process holds in another's budget within 50 ms, through the store's notification", async () => {
			const { store, other } = await make();
			const call = rateLimitedCall(new URL(`https://api.atlassian.com/ex/jira/site-${Math.random()}/rest/api/3/myself`), "GET");
			if (call === null) throw new Error("unreachable");
			const here = new RateLimitBudget(store, { refreshMs: 60_000 });
			const there = new RateLimitBudget(other, { refreshMs: 60_000 });
			expect(await there.reserve(call, 0)).toEqual({ waitMs: 0 }); // read once: trusted for a minute but for notifications
			await new Promise((resolve) => setTimeout(resolve, listenMs));
			const recordedAt = Date.now();
			await here.observe(
				call,
				new Response(null, { status: 429, headers: { "Retry-After": "30", "RateLimit-Reason": "jira-burst-based" } }),
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

		it("a hold is seen by every client until it ends; of two pauses of a scope the later end wins; pauses and paces apart", async () => {
			const { store, other } = await make();
			const now = Date.now();
			await store.hold({ scope: "site:jira:a", until: now + 5_000, reason: "jira-quota-tenant-based" });
			await other.hold({ scope: "site:jira:a", until: now + 2_000, reason: "jira-burst-based" });
			await other.hold({ scope: "site:jira:a", until: now + 9_000, reason: "near-limit", intervalMs: 250 });
			await store.hold({ scope: "site:jira:b", until: now - 1, reason: "over" });
			const holds = await other.getHolds(["site:jira:a", "site:jira:b", "app:jira"], now);
			expect(holds.sort((x, y) => x.until - y.until)).toEqual([
				{ scope: "site:jira:a", until: now + 5_000, reason: "jira-quota-tenant-based" },
				{ scope: "site:jira:a", until: now + 9_000, reason: "near-limit", intervalMs: 250 },
			]);
			expect(await store.getHolds(["site:jira:a"], now + 10_000)).toEqual([]);
			// A pace replaces the one before, even one ending later: each answer near the limit says anew what is left.
			await store.hold({ scope: "site:jira:a", until: now + 8_999, reason: "near-limit", intervalMs: 400 });
			expect((await other.getHolds(["site:jira:a"], now)).find((hold) => hold.intervalMs !== undefined)?.intervalMs).toBe(400);
		});

		it("reserves slots all or none, spaced by their interval, within their tolerance, up to `latest`", async () => {
			const { store, other } = await make();
			const key = `slot-${Math.random()}`;
			const now = Date.now();
			const slot = { key, intervalMs: 100, toleranceMs: 0 };
			expect(await store.reserveSlots([slot], now, now + 1_000)).toBe(now);
			expect(await other.reserveSlots([slot], now, now + 1_000)).toBe(now + 100);
			expect(await store.reserveSlots([slot], now, now + 1_000)).toBe(now + 200);
			// Past `latest`: nothing is reserved, so the next caller gets the same slot.
			expect(await store.reserveSlots([slot, { key: `${key}-b`, intervalMs: 10, toleranceMs: 0 }], now, now + 250)).toBeNull();
			expect(await other.reserveSlots([{ key: `${key}-b`, intervalMs: 10, toleranceMs: 0 }], now, now + 250)).toBe(now);
			const bucket = { key: `${key}-bucket`, intervalMs: 100, toleranceMs: 200 };
			const taken = [];
			for (let call = 0; call < 4; call++) taken.push(await store.reserveSlots([bucket], now, now + 10_000));
			expect(taken).toEqual([now, now, now, now + 100]); // three at once, then one interval apart
			// A pace holds no call past its end, and its bookings are forgotten after it: the next window starts afresh.
			const pace = { key: `${key}-pace`, intervalMs: 1_000, toleranceMs: 0, until: now + 1_500 };
			expect(await store.reserveSlots([pace], now, now + 10_000)).toBe(now);
			expect(await other.reserveSlots([pace], now, now + 10_000)).toBe(now + 1_000);
			expect(await store.reserveSlots([pace], now, now + 10_000)).toBe(now + 1_500); // not now + 2 000
			const later = now + 1_600;
			expect(await other.reserveSlots([{ ...pace, until: later + 5_000 }], later, later + 10_000)).toBe(later);
		});

		it("counts 429s by reason for a snapshot, with the holds in force", async () => {
			const { store, other } = await make();
			const now = Date.now();
			const reason = `jira-burst-based-${Math.random()}`;
			await store.countRateLimited(reason, now - 10);
			await other.countRateLimited(reason, now);
			await store.countRateLimited(reason, now - 7_200_000); // too old for the window asked
			await store.hold({ scope: `site:jira:${reason}`, until: now + 60_000, reason });
			const snapshot = await other.snapshot(now, now - 3_600_000);
			expect(snapshot.rateLimited[reason]).toBe(2);
			expect(snapshot.holds).toContainEqual({ scope: `site:jira:${reason}`, until: now + 60_000, reason });
		});
	});
}
