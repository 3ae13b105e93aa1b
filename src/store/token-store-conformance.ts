/**
 * The `TokenStore` contract as a test suite a store author runs against their own store, under vitest, jest
 * or node:test (it takes their `describe` and `it`; its assertions throw `AssertionError`s).
 */
import assert from "node:assert/strict";
import { sleep } from "../internal/sleep.js";
import type { StoredTokenSet, TokenStore } from "../tokens/token-store.js";
import { type ConformanceTest, declareFleetConformance, eventually, tokenSet } from "./token-store-conformance-fleet.js";

/** One test's view of the store under test. */
export interface TokenStoreConformanceFixture {
	store: TokenStore;
	/**
	 * A second store on the same data through its own client or connection: what another process holds. The
	 * lease and write races are run across both. Default: `store` itself (a store only one process can use).
	 */
	otherStore?: TokenStore;
	/** Writes something under `key` that the store cannot read as a token set. Omit it to skip that check. */
	corrupt?(key: string): Promise<void>;
	/** Called after each test: close clients, drop data. */
	close?(): Promise<void>;
}

/** The test functions of the runner: vitest's, jest's or node:test's `describe` and `it`. */
export interface TestFramework {
	describe(name: string, body: () => void): unknown;
	it(name: string, body: () => Promise<void>, timeoutMs?: number): unknown;
}

const TIMEOUT_MS = 20_000;

/**
 * Declares the conformance tests for one store: round trips, versions and tombstones, fenced writes, corrupt
 * records, the lease (exclusive, expiring by itself, renewable, released owner-checked), races between two
 * clients, and the keep-alive listing when the store has one. `createFixture` runs before each test; keys are
 * unique per test, so a shared database needs no cleaning between tests.
 */
export function testTokenStoreConformance(
	name: string,
	createFixture: () => TokenStoreConformanceFixture | Promise<TokenStoreConformanceFixture>,
	framework: TestFramework,
): void {
	const { describe, it } = framework;

	const test: ConformanceTest = (title, body) => {
		it(
			title,
			async () => {
				const fixture = await createFixture();
				const run = crypto.randomUUID().slice(0, 8);
				try {
					await body({ ...fixture, otherStore: fixture.otherStore ?? fixture.store }, (suffix = "") => `conformance-${run}${suffix}`);
				} finally {
					await fixture.close?.();
				}
			},
			TIMEOUT_MS,
		);
	};

	describe(`TokenStore conformance: ${name}`, () => {
		describe("records and versions", () => {
			test("an unknown key reads as null, at version 0", async ({ store }, key) => {
				assert.equal(await store.get(key()), null);
				assert.equal(await store.getVersion(key()), 0);
			});

			test("a token set round-trips with every field, and its version", async ({ store, otherStore }, key) => {
				const tokens = tokenSet(1, {
					consentedAt: 1_700_000_000_000,
					issuedAt: 1_700_000_100_000,
					reauthorizationRequired: true,
					disabledAt: 1_700_000_200_000,
					consecutiveFailures: 2,
					lastFailureAt: 1_700_000_300_000,
					lastErrorKind: "server",
				});
				assert.equal(await store.compareAndSet(key(), 0, tokens), true);
				assert.deepEqual(await store.get(key()), tokens);
				assert.deepEqual(await otherStore.get(key()), tokens);
				assert.equal(await otherStore.getVersion(key()), 1);
				const minimal = tokenSet(2, { refreshToken: null, scopes: [] });
				assert.equal(await store.compareAndSet(key(), 1, minimal), true);
				assert.deepEqual(await store.get(key()), minimal);
			});

			test("a returned set is a copy: changing it changes nothing stored", async ({ store }, key) => {
				await store.compareAndSet(key(), 0, tokenSet(1));
				const read = (await store.get(key())) as StoredTokenSet;
				read.accessToken = "changed";
				read.scopes.push("changed");
				assert.deepEqual(await store.get(key()), tokenSet(1));
			});

			test("keys are kept apart, whatever characters they hold", async ({ store }, key) => {
				const keys = [key(":a"), key("{b}"), key("/c d"), key("ü-é"), key("'; DROP TABLE x; --")];
				for (const [index, each] of keys.entries()) {
					assert.equal(await store.compareAndSet(each, 0, tokenSet(1, { accessToken: `at-${index}` })), true);
				}
				for (const [index, each] of keys.entries()) {
					assert.equal((await store.get(each))?.accessToken, `at-${index}`);
				}
			});

			test("a corrupt record is an error, never a token set", async ({ store, corrupt }, key) => {
				if (corrupt === undefined) return;
				await corrupt(key());
				await assert.rejects(store.get(key()));
			});
		});

		describe("fenced writes", () => {
			test("a write from a stale version loses and changes nothing", async ({ store, otherStore }, key) => {
				await store.compareAndSet(key(), 0, tokenSet(1));
				assert.equal(await otherStore.compareAndSet(key(), 1, tokenSet(2, { accessToken: "newer" })), true);
				assert.equal(await store.compareAndSet(key(), 1, tokenSet(2, { accessToken: "stale" })), false);
				assert.equal(await store.compareAndSet(key(), 0, tokenSet(1, { accessToken: "stale" })), false);
				assert.equal((await store.get(key()))?.accessToken, "newer");
				assert.equal(await store.getVersion(key()), 2);
			});

			test("a first write needs version 0: another expected version finds nothing to replace", async ({ store }, key) => {
				assert.equal(await store.compareAndSet(key(), 3, tokenSet(4)), false);
				assert.equal(await store.get(key()), null);
				assert.equal(await store.getVersion(key()), 0);
			});

			test("of concurrent writes from one version, from two clients, exactly one lands", async ({ store, otherStore }, key) => {
				await store.compareAndSet(key(), 0, tokenSet(1));
				const results = await Promise.all(
					Array.from({ length: 16 }, (_, index) =>
						(index % 2 === 0 ? store : otherStore).compareAndSet(key(), 1, tokenSet(2, { accessToken: `writer-${index}` })),
					),
				);
				assert.equal(results.filter(Boolean).length, 1);
				assert.equal((await store.get(key()))?.accessToken, `writer-${results.indexOf(true)}`);
			});

			test("of concurrent first writes, exactly one lands", async ({ store, otherStore }, key) => {
				const results = await Promise.all(
					Array.from({ length: 16 }, (_, index) =>
						(index % 2 === 0 ? store : otherStore).compareAndSet(key(), 0, tokenSet(1, { accessToken: `writer-${index}` })),
					),
				);
				assert.equal(results.filter(Boolean).length, 1);
			});
		});

		describe("delete", () => {
			test("leaves a tombstone one version higher: the set is gone and a write from before it loses", async ({ store }, key) => {
				await store.compareAndSet(key(), 0, tokenSet(1));
				await store.compareAndSet(key(), 1, tokenSet(2));
				await store.delete(key());
				assert.equal(await store.get(key()), null);
				assert.equal(await store.getVersion(key()), 3);
				assert.equal(await store.compareAndSet(key(), 2, tokenSet(3)), false);
				assert.equal(await store.get(key()), null);
				// A new sign-in writes on top of the tombstone.
				assert.equal(await store.compareAndSet(key(), 3, tokenSet(4)), true);
				assert.equal((await store.get(key()))?.version, 4);
			});

			test("of a key never written, or already deleted, changes nothing", async ({ store }, key) => {
				await store.delete(key());
				assert.equal(await store.getVersion(key()), 0);
				await store.compareAndSet(key("-b"), 0, tokenSet(1));
				await store.delete(key("-b"));
				await store.delete(key("-b"));
				assert.equal(await store.getVersion(key("-b")), 2);
			});
		});

		describe("the refresh lease", () => {
			test("is exclusive, across clients", async ({ store, otherStore }, key) => {
				const lease = await store.acquireLease(key(), 10_000);
				assert.notEqual(lease, null);
				assert.equal(await otherStore.acquireLease(key(), 10_000), null);
				assert.equal(await store.acquireLease(key(), 10_000), null);
				// Another key's lease is free.
				assert.notEqual(await otherStore.acquireLease(key("-other"), 10_000), null);
				await lease?.release();
			});

			test("of concurrent takers on two clients, exactly one gets it", async ({ store, otherStore }, key) => {
				const leases = await Promise.all(
					Array.from({ length: 16 }, (_, index) => (index % 2 === 0 ? store : otherStore).acquireLease(key(), 10_000)),
				);
				assert.equal(leases.filter((lease) => lease !== null).length, 1);
			});

			test("is free again once released", async ({ store, otherStore }, key) => {
				const lease = await store.acquireLease(key(), 10_000);
				await lease?.release();
				const next = await otherStore.acquireLease(key(), 10_000);
				assert.notEqual(next, null);
				await next?.release();
			});

			test("expires by itself; the old holder can then neither renew nor release the new holder's", async ({ store, otherStore }, key) => {
				const first = await store.acquireLease(key(), 300);
				assert.notEqual(first, null);
				await sleep(600);
				const second = await otherStore.acquireLease(key(), 10_000);
				assert.notEqual(second, null, "an expired lease can be taken");
				assert.equal(await first?.renew(10_000), false, "the old holder cannot renew a lease it lost");
				await first?.release();
				assert.equal(await store.acquireLease(key(), 10_000), null, "the old holder's release must not free the new lease");
				assert.equal(await second?.renew(10_000), true);
				await second?.release();
			});

			test("renewed, outlives its first TTL", async ({ store, otherStore }, key) => {
				const lease = await store.acquireLease(key(), 500);
				await sleep(250);
				assert.equal(await lease?.renew(3_000), true);
				await sleep(500);
				assert.equal(await otherStore.acquireLease(key(), 10_000), null, "a renewed lease is still held past its first TTL");
				await lease?.release();
			});

			test("is independent of the record: taking it changes neither the set nor its version", async ({ store }, key) => {
				await store.compareAndSet(key(), 0, tokenSet(1));
				const lease = await store.acquireLease(key(), 10_000);
				assert.deepEqual(await store.get(key()), tokenSet(1));
				assert.equal(await store.compareAndSet(key(), 1, tokenSet(2)), true);
				await lease?.release();
				// And a lease on a key never written does not make it exist.
				await store.acquireLease(key("-empty"), 10_000);
				assert.equal(await store.get(key("-empty")), null);
				assert.equal(await store.getVersion(key("-empty")), 0);
				assert.equal(await store.compareAndSet(key("-empty"), 0, tokenSet(1)), true);
			});
		});

		describe("change notifications", () => {
			test("a write, a delete and a released lease from another client wake a watcher", async ({ store, otherStore }, key) => {
				if (store.watch === undefined) return;
				let calls = 0;
				const stop = store.watch(key(), () => {
					calls++;
				});
				try {
					// Subscribing may take a moment: write until the first notification arrives.
					let version = 0;
					await eventually(
						async () => {
							assert.equal(await otherStore.compareAndSet(key(), version, tokenSet(version + 1)), true);
							version++;
						},
						() => calls > 0,
						"a write from another client never woke the watcher",
					);
					const afterWrite = calls;
					await otherStore.delete(key());
					await eventually(
						async () => {},
						() => calls > afterWrite,
						"a delete did not wake the watcher",
					);
					const afterDelete = calls;
					const lease = await otherStore.acquireLease(key(), 10_000);
					await lease?.release();
					await eventually(
						async () => {},
						() => calls > afterDelete,
						"a released lease did not wake the watcher",
					);
				} finally {
					stop();
				}
			});
		});

		declareFleetConformance(describe, test);
	});
}
