import { describe, expect, it, vi } from "vitest";
import { MemoryTokenStore, type StoredTokenSet } from "../../src/index.js";
import { AccessTokenCache } from "../../src/tokens/access-token-cache.js";
import { StoreCallBounds } from "../../src/tokens/bounded-call.js";
import { StoreAccess } from "../../src/tokens/store-access.js";

const set = (version: number): StoredTokenSet => ({
	accessToken: `at-${version}`,
	refreshToken: "rt",
	expiresAt: 1e15,
	scopes: [],
	version,
});

function access(store = new MemoryTokenStore()) {
	const cache = new AccessTokenCache(60_000, 10);
	return { store, cache, access: new StoreAccess(store, new StoreCallBounds(1_000), cache, () => 0) };
}

describe("StoreAccess", () => {
	it("writes fenced, and keeps the cache in step with what it read and wrote", async () => {
		const { store, cache, access: storeAccess } = access();
		expect(await storeAccess.compareAndSet("k", 0, set(1))).toBe(true);
		expect(cache.get("k", 0)?.version).toBe(1);
		expect(await storeAccess.compareAndSet("k", 0, set(1))).toBe(false); // the record moved on
		expect(cache.get("k", 0)).toBeUndefined();
		await store.compareAndSet("k", 1, set(2));
		expect((await storeAccess.get("k"))?.version).toBe(2);
		expect(cache.get("k", 0)?.version).toBe(2);
	});

	it("refuses to write what is not a token set, without asking the store", async () => {
		const { store, access: storeAccess } = access();
		const write = vi.spyOn(store, "compareAndSet");
		await expect(storeAccess.compareAndSet("k", 0, { ...set(1), expiresAt: Number.NaN })).rejects.toThrow(
			'Refusing to store an invalid token set for "k"',
		);
		expect(write).not.toHaveBeenCalled();
	});

	it("a write whose outcome is unknown forgets the cached set, since it may have landed", async () => {
		const { store, cache, access: storeAccess } = access();
		await storeAccess.compareAndSet("k", 0, set(1));
		vi.spyOn(store, "compareAndSet").mockRejectedValueOnce(new Error("connection reset"));
		await expect(storeAccess.compareAndSet("k", 1, set(2))).rejects.toThrow("connection reset");
		expect(cache.get("k", 0)).toBeUndefined();
	});
});
