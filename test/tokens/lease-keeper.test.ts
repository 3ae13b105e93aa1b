import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LeaseKeeper } from "../../src/tokens/lease-keeper.js";
import type { TokenStoreLease } from "../../src/tokens/token-store.js";

/** A lease whose store answers as the test says: held, lost, or failing. */
function scriptedLease() {
	const state = { held: true, failing: false, renewals: 0, releases: 0 };
	const lease: TokenStoreLease = {
		renew: async () => {
			state.renewals++;
			if (state.failing) throw new Error("store down");
			return state.held;
		},
		release: async () => {
			state.releases++;
		},
	};
	const keeper = (ttlMs: number) =>
		new LeaseKeeper(lease, ttlMs, Date.now(), {
			renew: (held, leaseTtlMs) => held.renew(leaseTtlMs),
			release: (held) => held.release(),
		});
	return { state, keeper };
}

describe("LeaseKeeper", () => {
	beforeEach(() => {
		vi.useFakeTimers();
	});
	afterEach(() => {
		vi.useRealTimers();
	});

	it("renews every third of the TTL while held, and stops once released", async () => {
		const { state, keeper } = scriptedLease();
		const kept = keeper(3_000);
		await vi.advanceTimersByTimeAsync(3_100);
		expect(state.renewals).toBe(3);
		expect(await kept.holdsFor(2_000)).toBe(true);
		await kept.release();
		await vi.advanceTimersByTimeAsync(10_000);
		expect(state.renewals).toBe(3);
		expect(state.releases).toBe(1);
	});

	it("counts validity from when a renewal was sent: failed renewals do not extend it, and lapseSignal aborts before it ends", async () => {
		const { state, keeper } = scriptedLease();
		const kept = keeper(3_000);
		const lapse = kept.lapseSignal(500);
		state.failing = true;
		await vi.advanceTimersByTimeAsync(2_400);
		expect(lapse.aborted).toBe(false);
		expect(await kept.holdsFor(500)).toBe(true);
		await vi.advanceTimersByTimeAsync(200); // 2 600 ms: within 500 ms of the 3 000 ms the acquisition bought
		expect(lapse.aborted).toBe(true);
		expect((lapse.reason as DOMException).name).toBe("TimeoutError");
		expect(await kept.holdsFor(500)).toBe(false);
		await kept.release();
	});

	it("a renewal the store refuses means the lease is lost: holdsFor is false, lapseSignal aborts at once, release frees nothing", async () => {
		const { state, keeper } = scriptedLease();
		const kept = keeper(3_000);
		state.held = false;
		expect(await kept.renew()).toBe(false);
		expect(await kept.holdsFor(1)).toBe(false);
		expect(kept.lapseSignal(0).aborted).toBe(true);
		await kept.release();
		expect(state.releases).toBe(0);
	});

	it("holdsFor renews first when the validity left is short", async () => {
		const { state, keeper } = scriptedLease();
		const kept = keeper(3_000);
		vi.setSystemTime(Date.now() + 2_500); // timers not run: no renewal yet
		expect(await kept.holdsFor(1_000)).toBe(true);
		expect(state.renewals).toBe(1);
		await kept.release();
	});

	it("retain() keeps the lease for another party: freed after the last release", async () => {
		const { state, keeper } = scriptedLease();
		const kept = keeper(3_000);
		kept.retain();
		await kept.release();
		expect(state.releases).toBe(0);
		await vi.advanceTimersByTimeAsync(1_100);
		expect(state.renewals).toBe(1); // still renewed for the party that retained it
		await kept.release();
		expect(state.releases).toBe(1);
	});
});
