/**
 * The part of the TokenStore conformance suite that a fleet of connections needs: the keep-alive listing and its
 * paging, the one key rule, listing every key, and close(). Declared by `testTokenStoreConformance`.
 */
import assert from "node:assert/strict";
import { sleep } from "../internal/sleep.js";
import type { IdleKey, StoredTokenSet, TokenStore } from "../tokens/token-store.js";

/** One conformance test: a fresh fixture (`store`, `otherStore`) and a key maker unique to the test. */
export type ConformanceTest = (
	title: string,
	body: (
		fixture: { store: TokenStore; otherStore: TokenStore; corrupt?(key: string): Promise<void> },
		key: (suffix?: string) => string,
	) => Promise<void>,
) => void;

export function declareFleetConformance(describe: (name: string, body: () => void) => unknown, test: ConformanceTest): void {
	describe("the keep-alive listing", () => {
		test("lists keys whose refresh token was issued before the cutoff, oldest first, up to the limit", async ({ store }, key) => {
			if (store.listIdleKeys === undefined) return;
			// Far in the past, so keys other tests of a shared database wrote do not come first.
			const base = 86_400_000 + Math.floor(Math.random() * 1_000_000) * 1_000;
			await store.compareAndSet(key("-c"), 0, tokenSet(1, { issuedAt: base + 300 }));
			await store.compareAndSet(key("-a"), 0, tokenSet(1, { issuedAt: base + 100 }));
			await store.compareAndSet(key("-b"), 0, tokenSet(1, { issuedAt: base + 200 }));
			await store.compareAndSet(key("-fresh"), 0, tokenSet(1, { issuedAt: base + 10_000 }));
			await store.compareAndSet(key("-gone"), 0, tokenSet(1, { issuedAt: base + 50 }));
			await store.delete(key("-gone"));
			const mine = (entries: IdleKey[]) => entries.filter((each) => each.key.startsWith(key())).map((each) => each.key);
			const listed = await store.listIdleKeys(base + 1_000, { limit: 1_000 });
			assert.deepEqual(mine(listed), [key("-a"), key("-b"), key("-c")]);
			assert.deepEqual(
				listed.find((each) => each.key === key("-b")),
				{ key: key("-b"), issuedAt: base + 200 },
			);
			const limited = await store.listIdleKeys(base + 1_000, { limit: 2 });
			assert.equal(limited.length <= 2, true);
			// A refresh moves a key out of the listing.
			await store.compareAndSet(key("-a"), 1, tokenSet(2, { issuedAt: base + 20_000 }));
			const after = await store.listIdleKeys(base + 1_000, { limit: 1_000 });
			assert.deepEqual(mine(after), [key("-b"), key("-c")]);
		});

		test("pages on from a position: strictly after it, ties on the time ordered by key", async ({ store }, key) => {
			if (store.listIdleKeys === undefined) return;
			const base = 86_400_000 + Math.floor(Math.random() * 1_000_000) * 1_000 + 500;
			const keys = [key("-1"), key("-2"), key("-3"), key("-4"), key("-5")];
			// Three share one time, so paging must break ties by key.
			const times = [base, base + 1, base + 1, base + 1, base + 2];
			for (const [index, each] of keys.entries()) {
				await store.compareAndSet(each, 0, tokenSet(1, { issuedAt: times[index] }));
			}
			const seen: string[] = [];
			let after: IdleKey | undefined = { key: "", issuedAt: base - 1 };
			for (let pages = 0; after !== undefined && pages < 10; pages++) {
				const page: IdleKey[] = await store.listIdleKeys(base + 3, { limit: 2, after });
				seen.push(...page.filter((each) => each.key.startsWith(key())).map((each) => each.key));
				after = page.length < 2 ? undefined : page.at(-1);
			}
			assert.deepEqual(seen, keys);
		});

		test("a connection marked for re-authorization, disabled, or deleted, is not listed", async ({ store }, key) => {
			if (store.listIdleKeys === undefined) return;
			const base = 86_400_000 + Math.floor(Math.random() * 1_000_000) * 1_000 + 700;
			await store.compareAndSet(key("-dead"), 0, tokenSet(1, { issuedAt: base }));
			await store.compareAndSet(key("-dead"), 1, tokenSet(2, { issuedAt: base, reauthorizationRequired: true }));
			await store.compareAndSet(key("-off"), 0, tokenSet(1, { issuedAt: base }));
			await store.compareAndSet(key("-off"), 1, tokenSet(2, { issuedAt: base, disabledAt: base }));
			await store.compareAndSet(key("-gone"), 0, tokenSet(1, { issuedAt: base }));
			await store.delete(key("-gone"));
			await store.compareAndSet(key("-live"), 0, tokenSet(1, { issuedAt: base + 1 }));
			const listed = await store.listIdleKeys(base + 2, { limit: 10, after: { key: "", issuedAt: base - 1 } });
			assert.deepEqual(
				listed.filter((each) => each.key.startsWith(key())).map((each) => each.key),
				[key("-live")],
			);
		});
	});

	describe("the connection listing", () => {
		test("lists every connection once, in key order, page by page, and by status", async ({ store, otherStore }, key) => {
			if (store.listConnections === undefined) return;
			// Keys of this test sort together, after a prefix no other test's keys share.
			const mine = (page: { key: string }[]) => page.filter((each) => each.key.startsWith(key("-"))).map((each) => each.key);
			const keys = ["-a", "-b", "-c", "-d", "-e"].map((suffix) => key(suffix));
			for (const each of keys) await store.compareAndSet(each, 0, tokenSet(1));
			await store.compareAndSet(key("-b"), 1, tokenSet(2, { consecutiveFailures: 1, lastFailureAt: 5, lastErrorKind: "server" }));
			await store.compareAndSet(key("-c"), 1, tokenSet(2, { disabledAt: 5 }));
			await store.compareAndSet(key("-d"), 1, tokenSet(2, { reauthorizationRequired: true }));
			await store.compareAndSet(key("-gone"), 0, tokenSet(1));
			await store.delete(key("-gone"));
			const seen: string[] = [];
			let after = key("-");
			for (;;) {
				const page = await otherStore.listConnections?.({ limit: 2, after });
				assert.ok(page !== undefined && page.length <= 2);
				seen.push(...mine(page));
				if (page.length < 2 || mine(page).length < page.length) break;
				after = page.at(-1)?.key as string;
			}
			assert.deepEqual(seen, keys);
			const first = await store.listConnections({ limit: 1, after: key("-") });
			assert.equal(first[0]?.key, key("-a"));
			// The tokens may stay sealed (encryptedTokenStore): a listing is read for everything but them.
			const { accessToken: _a, refreshToken: _r, ...listed } = first[0]?.tokens ?? tokenSet(0);
			const { accessToken: _b, refreshToken: _s, ...stored } = tokenSet(1);
			assert.deepEqual(listed, stored);
			const byStatus = async (status: "active" | "degraded" | "disabled" | "reauthorization_required") =>
				mine((await store.listConnections?.({ limit: 1_000, after: key("-"), status })) ?? []);
			assert.deepEqual(await byStatus("active"), [key("-a"), key("-e")]);
			assert.deepEqual(await byStatus("degraded"), [key("-b")]);
			assert.deepEqual(await byStatus("disabled"), [key("-c")]);
			assert.deepEqual(await byStatus("reauthorization_required"), [key("-d")]);
			// A change of status moves the connection from one listing to the other.
			await store.compareAndSet(key("-b"), 2, tokenSet(3));
			assert.deepEqual(await byStatus("degraded"), []);
			assert.deepEqual(await byStatus("active"), [key("-a"), key("-b"), key("-e")]);
		});

		test("lists the connections whose outbox holds events, and drops one once it is cleared", async ({ store, otherStore }, key) => {
			if (store.listPendingEvents === undefined) return;
			const mine = (page: { key: string }[]) => page.filter((each) => each.key.startsWith(key("-"))).map((each) => each.key);
			const event = { id: "e-1", type: "degraded", at: 5, status: "degraded", reason: "refresh_failing" } as const;
			await store.compareAndSet(key("-quiet"), 0, tokenSet(1));
			await store.compareAndSet(key("-x"), 0, tokenSet(1, { consecutiveFailures: 1, pendingEvents: [event] }));
			await store.compareAndSet(
				key("-y"),
				0,
				tokenSet(1, { pendingEvents: [{ ...event, id: "e-2", type: "connected", status: "active" }] }),
			);
			await store.compareAndSet(key("-gone"), 0, tokenSet(1, { pendingEvents: [event] }));
			await store.delete(key("-gone"));
			const listed = (await otherStore.listPendingEvents?.({ limit: 1_000, after: key("-") })) ?? [];
			assert.deepEqual(mine(listed), [key("-x"), key("-y")]);
			assert.deepEqual(listed.find((each) => each.key === key("-x"))?.tokens.pendingEvents, [event], "the outbox comes back as written");
			const firstPage = await store.listPendingEvents({ limit: 1, after: key("-") });
			assert.deepEqual(mine(firstPage), [key("-x")]);
			// Cleared in place, at the same version: it leaves the listing.
			await store.compareAndSet(key("-x"), 1, tokenSet(1, { consecutiveFailures: 1 }));
			assert.deepEqual(mine(await store.listPendingEvents({ limit: 1_000, after: key("-") })), [key("-y")]);
		});
	});

	describe("connection keys", () => {
		test("every store refuses the same keys, with a TypeError naming the rule", async ({ store }, key) => {
			const refused = [`${key()}-\ud800`, `${key()}-\udfff`, `${key()}-\u0000`, `${key()}-${"é".repeat(600)}`, ""];
			for (const bad of refused) {
				await assert.rejects(store.get(bad), TypeError);
				await assert.rejects(store.getVersion(bad), TypeError);
				await assert.rejects(store.compareAndSet(bad, 0, tokenSet(1)), TypeError);
				await assert.rejects(store.delete(bad), TypeError);
				await assert.rejects(store.acquireLease(bad, 1_000), TypeError);
			}
			// The longest key allowed: 1 024 UTF-8 bytes (a 4-byte character counts 4).
			const longest = `${key()}-${"x".repeat(1_024 - key().length - 1 - 4)}😀`;
			assert.equal(await store.compareAndSet(longest, 0, tokenSet(1)), true);
			assert.equal((await store.get(longest))?.accessToken, "access-1");
		});
	});

	describe("maintenance", () => {
		test("listKeys pages through every stored connection, deleted ones excepted", async ({ store }, key) => {
			if (store.listKeys === undefined) return;
			const keys = [key("-a"), key("-b"), key("-c"), key("-d"), key("-e")];
			for (const each of keys) await store.compareAndSet(each, 0, tokenSet(1));
			await store.delete(key("-c"));
			const seen: string[] = [];
			let cursor: string | null = null;
			for (let pages = 0; pages < 10_000; pages++) {
				const page: { keys: string[]; cursor: string | null } = await store.listKeys({ limit: 2, cursor });
				seen.push(...page.keys.filter((each) => each.startsWith(key())));
				cursor = page.cursor;
				if (cursor === null) break;
			}
			assert.equal(cursor, null);
			assert.deepEqual([...new Set(seen)].sort(), [key("-a"), key("-b"), key("-d"), key("-e")]);
		});

		test("close() lets go of watches: a closed store's watch is never called", async ({ store, otherStore }, key) => {
			if (store.close === undefined || store.watch === undefined) return;
			let calls = 0;
			store.watch(key(), () => {
				calls++;
			});
			await store.close();
			await otherStore.compareAndSet(key(), 0, tokenSet(1));
			await sleep(300);
			assert.equal(calls, 0);
		});
	});
}

/** A token set of `version` for the tests, with `fields` on top. */
export function tokenSet(version: number, fields: Partial<StoredTokenSet> = {}): StoredTokenSet {
	return {
		accessToken: `access-${version}`,
		refreshToken: `refresh-${version}`,
		expiresAt: 1_800_000_000_000 + version,
		scopes: ["read:me", "offline_access"],
		version,
		...fields,
	};
}

/** Runs `action`, then checks `done` for up to 500 ms; again, for up to 10 s in all. */
export async function eventually(action: () => Promise<void>, done: () => boolean, message: string): Promise<void> {
	const giveUpAt = Date.now() + 10_000;
	while (Date.now() < giveUpAt) {
		await action();
		for (let waited = 0; waited < 500; waited += 20) {
			if (done()) return;
			await sleep(20);
		}
	}
	assert.fail(message);
}
