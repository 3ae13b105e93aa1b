import { describe, expect, it, vi } from "vitest";
import { encryptedTokenStore, MemoryTokenStore, OAuth2Tokens, TokenManager, type TokenStore } from "../../src/index.js";
import { rejection } from "../support/rejection.js";
import { RotatingTokenEndpoint } from "../support/rotating-token-endpoint.js";

import { emulatorSetup, setup } from "../support/token-manager-setup.js";

describe("TokenManager.keepAlive()", () => {
	it("keepAlive() refreshes connections idle for N days, on the injected clock, and leaves fresh ones alone", async () => {
		const { emulator, store, manager } = await emulatorSetup();
		const before = await manager.getTokenSet("conn");
		emulator.advanceTime(10 * 24 * 3600 * 1000);
		expect(await manager.keepAlive({ idleDays: 30 })).toEqual({ refreshed: [], failed: [], skipped: [], cursor: null });
		emulator.advanceTime(25 * 24 * 3600 * 1000);
		const get = vi.spyOn(store, "get");
		expect(await manager.keepAlive({ idleDays: 30 })).toEqual({ refreshed: ["conn"], failed: [], skipped: [], cursor: null });
		// One read to see it is idle, one re-read under the lease: no third read on the way.
		expect(get).toHaveBeenCalledTimes(2);
		get.mockRestore();
		const after = await manager.getTokenSet("conn");
		expect(after?.issuedAt).toBeGreaterThan(emulator.now() - 1000);
		expect(after?.consentedAt).toBe(before?.consentedAt);
		expect(emulator.isRefreshTokenCurrent(after?.refreshToken ?? "")).toBe(true);
		// Kept alive every month, the connection outlives Atlassian's 90 days of inactivity.
		for (let month = 0; month < 4; month++) {
			emulator.advanceTime(31 * 24 * 3600 * 1000);
			expect((await manager.keepAlive({ idleDays: 30 })).refreshed).toEqual(["conn"]);
		}
	});

	it("keepAlive() makes at most `limit` refreshes and hands back a cursor that continues the sweep where it stopped", async () => {
		let now = Date.UTC(2027, 0, 1);
		let sent = 0;
		const refresher = {
			refreshAccessToken: async () => {
				sent++;
				return new OAuth2Tokens({ access_token: `at-${now}`, refresh_token: `rt-${now}`, expires_in: 3600 });
			},
		};
		const store = new MemoryTokenStore();
		const manager = new TokenManager(refresher, { store, now: () => now });
		for (const key of ["a", "b", "c", "d", "e"]) {
			await manager.save(key, new OAuth2Tokens({ access_token: "at", refresh_token: "rt", expires_in: 3600 }));
			now += 1_000;
		}
		now += 31 * 24 * 3600 * 1000;
		const first = await manager.keepAlive({ limit: 2 });
		expect(first).toMatchObject({ refreshed: ["a", "b"], failed: [], skipped: [] });
		expect(first.cursor).toEqual(expect.any(String));
		const second = await manager.keepAlive({ limit: 2, cursor: first.cursor });
		expect(second.refreshed).toEqual(["c", "d"]);
		const third = await manager.keepAlive({ limit: 2, cursor: second.cursor });
		expect(third).toEqual({ refreshed: ["e"], failed: [], skipped: [], cursor: null });
		expect(sent).toBe(5);
		expect(await rejection(manager.keepAlive({ cursor: "not a cursor" }))).toBeInstanceOf(TypeError);
	});

	it("keepAlive() pages past what it cannot refresh, reports why, and never counts it against `limit`", async () => {
		let now = Date.UTC(2027, 0, 1);
		const refresher = {
			refreshAccessToken: async () => new OAuth2Tokens({ access_token: `at-${now}`, refresh_token: `rt-${now}`, expires_in: 3600 }),
		};
		const inner = new MemoryTokenStore();
		const key = crypto.getRandomValues(new Uint8Array(32));
		const store = encryptedTokenStore(inner, key);
		const manager = new TokenManager(refresher, { store, now: () => now });
		const tokens = () => new OAuth2Tokens({ access_token: "at-0123456789", refresh_token: "rt-0123456789", expires_in: 3600 });
		// Oldest first: one marked, one sealed with a key this process lacks, one with a refresh lost long ago, then a live one.
		const marked = await manager.save("marked", tokens());
		await store.compareAndSet("marked", marked.version, { ...marked, reauthorizationRequired: true, version: marked.version + 1 });
		now += 1;
		await encryptedTokenStore(inner, crypto.getRandomValues(new Uint8Array(32))).compareAndSet("foreign", 0, {
			...marked,
			reauthorizationRequired: undefined,
			version: 1,
			issuedAt: now,
		});
		now += 1;
		const lost = await manager.save("lost", tokens());
		await store.compareAndSet("lost", lost.version, { ...lost, refreshSentAt: now, version: lost.version + 1 });
		now += 1;
		await manager.save("live", tokens());
		now += 31 * 24 * 3600 * 1000;
		const report = await manager.keepAlive({ limit: 1 });
		expect(report.refreshed).toEqual(["live"]);
		expect(report.skipped).toEqual([
			{ key: "foreign", reason: "unreadable" },
			{ key: "lost", reason: "refresh_outcome_unknown" },
		]);
		// The marked one had already left the index when it was marked.
		expect((await store.listIdleKeys?.(now, { limit: 10 }))?.map((entry) => entry.key)).toEqual(["foreign", "lost"]);
	});

	it("keepAlive() on a store of 0.2 that lists bare keys: one page, still skipping what it cannot refresh", async () => {
		const inner = new MemoryTokenStore();
		let now = Date.UTC(2027, 0, 1);
		const refresher = {
			refreshAccessToken: async () => new OAuth2Tokens({ access_token: `at-${now}`, refresh_token: `rt-${now}`, expires_in: 3600 }),
		};
		const store: TokenStore = {
			get: (key) => inner.get(key),
			getVersion: (key) => inner.getVersion(key),
			compareAndSet: (key, version, tokens) => inner.compareAndSet(key, version, tokens),
			delete: (key) => inner.delete(key),
			acquireLease: (key, ttlMs) => inner.acquireLease(key, ttlMs),
			// As 0.2 stores did: bare keys, a deleted one among them.
			listIdleKeys: (async () => ["gone", "conn"]) as unknown as TokenStore["listIdleKeys"],
		};
		const manager = new TokenManager(refresher, { store, now: () => now });
		await manager.save("conn", new OAuth2Tokens({ access_token: "at", refresh_token: "rt", expires_in: 3600 }));
		now += 31 * 24 * 3600 * 1000;
		expect(await manager.keepAlive({ limit: 1 })).toEqual({
			refreshed: ["conn"],
			failed: [],
			skipped: [{ key: "gone", reason: "not_found" }],
			cursor: null,
		});
	});

	it("keepAlive() refuses a store that cannot list idle connections, and bad options", async () => {
		const { store } = setup();
		const { listIdleKeys: _, ...withoutIndex } = Object.fromEntries(
			["get", "getVersion", "compareAndSet", "delete", "acquireLease"].map((name) => [
				name,
				(store as unknown as Record<string, (...args: unknown[]) => unknown>)[name]?.bind(store),
			]),
		) as unknown as TokenStore;
		const manager = new TokenManager(new RotatingTokenEndpoint() as never, { store: withoutIndex });
		await expect(manager.keepAlive()).rejects.toThrow(/listIdleKeys/);
		const indexed = new TokenManager(new RotatingTokenEndpoint() as never, { store });
		await expect(indexed.keepAlive({ idleDays: -1 })).rejects.toThrow(TypeError);
		await expect(indexed.keepAlive({ limit: 0 })).rejects.toThrow(TypeError);
	});
});

describe("TokenManager.keepAlive() and disabled connections", () => {
	it("skips a disabled connection (reported as disabled), without a request, and keeps the others alive", async () => {
		let now = Date.now();
		const { endpoint, manager, signIn } = setup({ now: () => now, expiresInSeconds: 3600 });
		await signIn();
		await manager.save(
			"other",
			new OAuth2Tokens({ access_token: "other-at", refresh_token: "rt-other", expires_in: 3600, scope: "offline_access" }),
		);
		await manager.disable("other");
		now += 31 * 86_400_000;
		const report = await manager.keepAlive();
		expect(report.refreshed).toEqual(["conn"]);
		expect(report.skipped).toEqual([]); // the store no longer lists it
		expect(endpoint.requests).toBe(1);
	});

	it("reports a disabled connection that a store still lists as skipped: disabled", async () => {
		let now = Date.now();
		const store = new MemoryTokenStore();
		const { endpoint, manager, signIn } = setup({ now: () => now, expiresInSeconds: 3600, store });
		const saved = await signIn();
		await manager.disable("conn");
		store.listIdleKeys = async (_before, options) =>
			options.after === undefined ? [{ key: "conn", issuedAt: saved.issuedAt as number }] : [];
		now += 31 * 86_400_000;
		const report = await manager.keepAlive();
		expect(report.skipped).toEqual([{ key: "conn", reason: "disabled" }]);
		expect(endpoint.requests).toBe(0);
	});
});
