import { describe, expect, it, vi } from "vitest";
import { Atlassian, MemoryTokenStore, TokenManager, TokenWriteNotDurableError } from "../../src/index.js";
import { rejection } from "../support/rejection.js";

import { setup } from "../support/token-manager-setup.js";

describe("storing a rotated set", () => {
	/** A store whose writes of rotated sets land on the primary but reach no replica while `replicasDown`. */
	function laggingReplicas(store: MemoryTokenStore) {
		const state = { replicasDown: false };
		vi.spyOn(store, "compareAndSet").mockImplementation(async (key, expectedVersion, tokens) => {
			const written = await MemoryTokenStore.prototype.compareAndSet.call(store, key, expectedVersion, tokens);
			if (written && state.replicasDown && tokens.refreshSentAt === undefined) throw new TokenWriteNotDurableError(key, 0, 1);
			return written;
		});
		return state;
	}

	it("a rotated set the replicas do not have yet is not handed out until a write of it is confirmed", async () => {
		const onStoreWriteFailed = vi.fn();
		const { endpoint, store, manager, signIn, refreshed } = setup({ onStoreWriteFailed });
		await signIn();
		const replicas = laggingReplicas(store as MemoryTokenStore);
		replicas.replicasDown = true;
		let settled = false;
		const pending = manager.getAccessToken("conn").finally(() => {
			settled = true;
		});
		await vi.waitFor(() => expect(onStoreWriteFailed).toHaveBeenCalledTimes(2));
		expect(settled).toBe(false);
		expect(onStoreWriteFailed.mock.calls[0]?.[1]).toBeInstanceOf(TokenWriteNotDurableError);
		expect(refreshed).toEqual([]);
		replicas.replicasDown = false;
		expect(await pending).toBe("at-1");
		expect(await store.get("conn")).toMatchObject({ accessToken: "at-1", refreshToken: "rt-1" });
		expect(refreshed).toHaveLength(1);
		expect(endpoint.requests).toBe(1);
	});

	it("past leaseWaitMs the caller hears TokenWriteNotDurableError, and the set is confirmed in the background, never served meanwhile", async () => {
		const onRefresh = vi.fn();
		const { endpoint, store, signIn } = setup();
		const manager = new TokenManager(new Atlassian("id", "secret", "https://app.example/cb", { fetch: endpoint.fetch }), {
			store,
			leaseWaitMs: 300,
			onRefresh,
		});
		await signIn();
		const replicas = laggingReplicas(store as MemoryTokenStore);
		replicas.replicasDown = true;
		const error = await rejection(manager.refresh("conn"));
		expect(error).toBeInstanceOf(TokenWriteNotDurableError);
		expect(onRefresh).not.toHaveBeenCalled();
		// The lease is still held by the background writer: nobody refreshes over it.
		expect(await store.acquireLease("conn", 1000)).toBeNull();
		replicas.replicasDown = false;
		await vi.waitFor(() => expect(onRefresh).toHaveBeenCalledOnce(), { timeout: 5_000 });
		expect(await store.get("conn")).toMatchObject({ accessToken: "at-1", refreshToken: "rt-1" });
		expect(endpoint.requests).toBe(1);
	});
});
