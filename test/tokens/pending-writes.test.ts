import { describe, expect, it, vi } from "vitest";
import { MemoryTokenStore } from "../../src/index.js";
import type { LeaseKeeper } from "../../src/tokens/lease-keeper.js";
import { PendingWrites } from "../../src/tokens/pending-writes.js";
import { setup } from "../support/token-manager-setup.js";

describe("pending writes: a rotated set the store did not take", () => {
	it("a rotated set the store will not take is kept in memory, served, and written once the store is back", async () => {
		const onStoreWriteFailed = vi.fn();
		const { endpoint, store, manager, signIn } = setup({ onStoreWriteFailed });
		const saved = await signIn();
		const compareAndSet = vi.spyOn(store, "compareAndSet");
		let down = false;
		compareAndSet.mockImplementation(async (key, expectedVersion, tokens) => {
			if (down) throw new Error("READONLY You can't write against a read only replica");
			down = tokens.accessToken === "at-0"; // the store goes down right after the sent mark is written
			return MemoryTokenStore.prototype.compareAndSet.call(store, key, expectedVersion, tokens);
		});
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		expect(await store.get("conn")).toMatchObject({ refreshToken: saved.refreshToken }); // not written yet
		// Served from memory while the store is down: no second request.
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		expect((await manager.getTokenSet("conn"))?.refreshToken).toBe("rt-1");
		await vi.waitFor(() => expect(onStoreWriteFailed.mock.calls.length).toBeGreaterThanOrEqual(2));
		expect(onStoreWriteFailed.mock.calls[0]?.[0]).toBe("conn");
		down = false;
		await vi.waitFor(() => expect(store.get("conn")).resolves.toMatchObject({ accessToken: "at-1", refreshToken: "rt-1" }), {
			timeout: 5_000,
		});
		expect((await store.get("conn"))?.refreshSentAt).toBeUndefined();
		expect(endpoint.requests).toBe(1);
		expect(endpoint.invalidGrants).toBe(0);
		// The lease was held while the write was pending, and is free now.
		expect(await store.acquireLease("conn", 1000)).not.toBeNull();
	});
});

describe("PendingWrites", () => {
	const set = { accessToken: "a1", refreshToken: "r1", expiresAt: 1, scopes: [], version: 3 };
	const keeper = () => ({ retain: vi.fn(), release: vi.fn(async () => {}) });

	it("writes a queued set again with backoff until the store takes it, serving it meanwhile, then frees the lease", async () => {
		vi.useFakeTimers();
		try {
			const pending = new PendingWrites();
			const lease = keeper();
			const failures: number[] = [];
			let calls = 0;
			const written = vi.fn();
			pending.add("k", set, true, lease as unknown as LeaseKeeper, 1, {
				write: async () => {
					calls++;
					if (calls < 3) throw new Error("store down");
					return true;
				},
				onWritten: written,
				onFailed: (_error, attempt) => failures.push(attempt),
			});
			expect(lease.retain).toHaveBeenCalledTimes(1);
			expect(pending.served("k")).toBe(set);
			await vi.advanceTimersByTimeAsync(250 + 500 + 1_000);
			expect(calls).toBe(3);
			expect(failures).toEqual([2, 3]);
			expect(written).toHaveBeenCalledTimes(1);
			expect(pending.served("k")).toBeUndefined();
			expect(lease.release).toHaveBeenCalledTimes(1);
		} finally {
			vi.useRealTimers();
		}
	});

	it("stops writing a set deleted meanwhile, and serves only what the store failed to take", async () => {
		vi.useFakeTimers();
		try {
			const pending = new PendingWrites();
			const write = vi.fn(async () => true);
			const lease = keeper();
			pending.add("k", set, false, lease as unknown as LeaseKeeper, 1, { write, onWritten: vi.fn(), onFailed: vi.fn() });
			expect(pending.served("k")).toBeUndefined(); // not enough replicas: not handed out
			pending.delete("k");
			await vi.advanceTimersByTimeAsync(10_000);
			expect(write).not.toHaveBeenCalled();
			expect(lease.release).toHaveBeenCalledTimes(1);
		} finally {
			vi.useRealTimers();
		}
	});
});
