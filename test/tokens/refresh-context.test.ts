import { describe, expect, it, vi } from "vitest";
import { isReauthorizationRequired, MemoryTokenStore, type StoredTokenSet, TokenNotFoundError } from "../../src/index.js";
import { StoreCallBounds } from "../../src/tokens/bounded-call.js";
import { EventOutbox } from "../../src/tokens/event-outbox.js";
import { PendingWrites } from "../../src/tokens/pending-writes.js";
import { isAnswered, notify, type RefreshContext, readRefreshable, refreshFailed } from "../../src/tokens/refresh-context.js";
import { SettledSends } from "../../src/tokens/reuse-window.js";
import { StoreAccess } from "../../src/tokens/store-access.js";

function context(onRefreshFailed = vi.fn()): RefreshContext {
	const store = new MemoryTokenStore();
	const access = new StoreAccess(store, new StoreCallBounds(1_000), undefined, () => 1_000);
	return {
		provider: { refreshAccessToken: async () => Promise.reject(new Error("not used")) },
		access,
		hooks: { onRefreshFailed },
		leaseTtlMs: 30_000,
		leaseWaitMs: 60_000,
		refreshTimeoutMs: 10_000,
		refreshWindowMs: 300_000,
		now: () => 1_000,
		pendingWrites: new PendingWrites(),
		settledSends: new SettledSends(),
		events: new EventOutbox(undefined, 30_000, { access, now: () => 1_000, tryLease: async () => null }),
		telemetry: undefined,
	};
}

const set = (fields: Partial<StoredTokenSet> = {}): StoredTokenSet => ({
	accessToken: "a",
	refreshToken: "r",
	expiresAt: 1_000 + 3_600_000,
	scopes: [],
	version: 1,
	...fields,
});

describe("the refresh context's shared steps", () => {
	it("isAnswered: a newer, unexpired version refreshed without failure, or (not forced) a fresh set; never a set whose send is unanswered", () => {
		const refresh = context();
		expect(isAnswered(refresh, set({ version: 2 }), 1, true)).toBe(true);
		expect(isAnswered(refresh, set(), 1, false)).toBe(true);
		expect(isAnswered(refresh, set(), 1, true)).toBe(false);
		expect(isAnswered(refresh, set({ expiresAt: 1_000 + 60_000 }), 1, false)).toBe(false);
		expect(isAnswered(refresh, set({ version: 2, refreshSentAt: 500 }), 1, false)).toBe(false);
		// Another process's refresh failed, and wrote so: its expired token answers nobody, forced or not.
		const failed = set({ version: 2, expiresAt: 900, consecutiveFailures: 1, lastErrorKind: "rate_limited", lastFailureAt: 950 });
		expect(isAnswered(refresh, failed, 1, false)).toBe(false);
		expect(isAnswered(refresh, failed, 1, true)).toBe(false);
		expect(isAnswered(refresh, set({ version: 2, expiresAt: 900 }), 1, true)).toBe(false);
		// A predicate: a set marked for re-authorization is an answer to nobody, and does not throw.
		expect(() => isAnswered(refresh, set({ reauthorizationRequired: true }), 1, true)).not.toThrow();
	});

	it("readRefreshable throws TokenNotFoundError for nothing stored, and invalid_grant for a set marked for re-authorization", async () => {
		const refresh = context();
		await expect(readRefreshable(refresh, "k")).rejects.toBeInstanceOf(TokenNotFoundError);
		await refresh.access.compareAndSet("k", 0, set({ reauthorizationRequired: true }));
		const error = await readRefreshable(refresh, "k").catch((caught: unknown) => caught);
		expect(isReauthorizationRequired(error)).toBe(true);
		await refresh.access.compareAndSet("k", 1, set({ version: 2 }));
		expect((await readRefreshable(refresh, "k")).version).toBe(2);
	});

	it("notify swallows a hook's throw and its rejection; refreshFailed tells onRefreshFailed and gives the error back", async () => {
		expect(() =>
			notify(() => {
				throw new Error("hook bug");
			}),
		).not.toThrow();
		notify(() => Promise.reject(new Error("async hook bug")));
		const onRefreshFailed = vi.fn();
		const error = new Error("refused");
		expect(refreshFailed(context(onRefreshFailed), "k", error)).toBe(error);
		expect(onRefreshFailed).toHaveBeenCalledWith("k", error);
	});
});
