import { describe, expect, it, vi } from "vitest";
import { MemoryTokenStore } from "../../src/index.js";

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
