import { describe, expect, it } from "vitest";
import { MemoryTokenStore } from "../../src/index.js";
import { type ConformanceTest, declareFleetConformance } from "../../src/store/token-store-conformance-fleet.js";
import type { TokenStore } from "../../src/tokens/token-store.js";

/** Runs the fleet part of the kit against `store` directly, and gives back the titles of the tests that failed. */
async function failures(makeStore: () => TokenStore): Promise<string[]> {
	const tests: { title: string; run: () => Promise<void> }[] = [];
	const test: ConformanceTest = (title, body) => {
		tests.push({
			title,
			run: async () => {
				const store = makeStore();
				const run = crypto.randomUUID().slice(0, 8);
				await body({ store, otherStore: store }, (suffix = "") => `fleet-${run}${suffix}`);
			},
		});
	};
	declareFleetConformance((_name, body) => body(), test);
	const failed: string[] = [];
	for (const { title, run } of tests) {
		await run().catch(() => failed.push(title));
	}
	return failed;
}

describe("the conformance kit's fleet part", () => {
	it("passes MemoryTokenStore", async () => {
		expect(await failures(() => new MemoryTokenStore())).toEqual([]);
	});

	it("catches a store whose keep-alive listing ignores `after` (a sweep that would never end)", async () => {
		const failed = await failures(() => {
			const store = new MemoryTokenStore();
			const list = store.listIdleKeys.bind(store);
			store.listIdleKeys = (issuedBefore, options) => list(issuedBefore, { limit: options.limit });
			return store;
		});
		expect(failed.length).toBeGreaterThan(0);
	});

	it("catches a store that accepts any key, whatever the key rule says", async () => {
		const failed = await failures(() => {
			const store = new MemoryTokenStore();
			const get = store.get.bind(store);
			store.get = async (key, options) => (key.includes("\u0000") ? null : get(key, options));
			return store;
		});
		expect(failed.some((title) => /key/i.test(title))).toBe(true);
	});
});
