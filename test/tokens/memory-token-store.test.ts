import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryTokenStore, type StoredTokenSet } from "../../src/index.js";

afterEach(() => {
	vi.useRealTimers();
});

describe("MemoryTokenStore", () => {
	const tokens: StoredTokenSet = { accessToken: "a", refreshToken: "r", expiresAt: 1, scopes: ["x"], version: 1 };

	it("returns copies, and writes only by compare-and-set on the version", async () => {
		const store = new MemoryTokenStore();
		expect(await store.getVersion("k")).toBe(0);
		expect(await store.compareAndSet("k", 1, tokens)).toBe(false);
		const copy = structuredClone(tokens);
		expect(await store.compareAndSet("k", 0, copy)).toBe(true);
		copy.scopes.push("mutated");
		const read = await store.get("k");
		expect(read?.scopes).toEqual(["x"]);
		read?.scopes.push("again");
		expect((await store.get("k"))?.scopes).toEqual(["x"]);
		expect(await store.compareAndSet("k", 0, { ...tokens, version: 2 })).toBe(false);
		expect(await store.compareAndSet("k", 1, { ...tokens, accessToken: "b", version: 2 })).toBe(true);
		expect(await store.get("k")).toMatchObject({ accessToken: "b", version: 2 });
	});

	it("delete() leaves a tombstone one version higher, so a write based on the deleted record is refused", async () => {
		const store = new MemoryTokenStore();
		await store.compareAndSet("k", 0, tokens);
		await store.delete("k");
		expect(await store.get("k")).toBeNull();
		expect(await store.getVersion("k")).toBe(2);
		expect(await store.compareAndSet("k", 1, { ...tokens, version: 2 })).toBe(false);
		expect(await store.compareAndSet("k", 2, { ...tokens, version: 3 })).toBe(true);
	});

	it("leases expire, renew and release only for their holder", async () => {
		// The clock is the test's, so a slow machine cannot expire a lease between two lines.
		vi.useFakeTimers({ toFake: ["Date"] });
		const store = new MemoryTokenStore();
		const first = await store.acquireLease("k", 30);
		expect(first).not.toBeNull();
		expect(await store.acquireLease("k", 30)).toBeNull();
		expect(await first?.renew(80)).toBe(true);
		vi.setSystemTime(Date.now() + 40);
		expect(await store.acquireLease("k", 30)).toBeNull(); // renewed past 30 ms
		vi.setSystemTime(Date.now() + 41);
		const second = await store.acquireLease("k", 10_000);
		expect(second).not.toBeNull();
		expect(await first?.renew(10_000)).toBe(false); // expired holder: cannot extend the new holder's lease
		await first?.release(); // nor free it
		expect(await store.acquireLease("k", 10_000)).toBeNull();
		await second?.release();
		expect(await store.acquireLease("k", 10_000)).not.toBeNull();
	});

	it("lists keys whose refresh token was issued before a time, oldest first, up to a limit", async () => {
		const store = new MemoryTokenStore();
		await store.compareAndSet("new", 0, { ...tokens, issuedAt: 300 });
		await store.compareAndSet("old", 0, { ...tokens, issuedAt: 100 });
		await store.compareAndSet("mid", 0, { ...tokens, issuedAt: 200 });
		await store.compareAndSet("unknown", 0, tokens);
		expect(await store.listIdleKeys(250, { limit: 10 })).toEqual([
			{ key: "old", issuedAt: 100 },
			{ key: "mid", issuedAt: 200 },
		]);
		expect(await store.listIdleKeys(1000, { limit: 1 })).toEqual([{ key: "old", issuedAt: 100 }]);
		expect(await store.listIdleKeys(1000, { limit: 1, after: { key: "old", issuedAt: 100 } })).toEqual([{ key: "mid", issuedAt: 200 }]);
		await store.delete("old");
		expect(await store.listIdleKeys(250, { limit: 10 })).toEqual([{ key: "mid", issuedAt: 200 }]);
		// Marked for re-authorization: out of the index, so it never takes a live connection's place.
		await store.compareAndSet("mid", 1, { ...tokens, issuedAt: 200, reauthorizationRequired: true, version: 2 });
		expect(await store.listIdleKeys(250, { limit: 10 })).toEqual([]);
	});
});
