import { expect, it } from "vitest";
import { MemoryRateLimitStore } from "../../src/index.js";

it("tells its watchers of every hold, until they stop watching", async () => {
	const store = new MemoryRateLimitStore();
	let told = 0;
	const stop = store.watch(() => told++);
	await store.hold({ scope: "app:jira", until: Date.now() + 1_000, reason: "jira-quota-global-based" });
	stop();
	await store.hold({ scope: "app:jira", until: Date.now() + 2_000, reason: "jira-quota-global-based" });
	expect(told).toBe(1);
});

it("keeps an hour of 429s, at most", async () => {
	const store = new MemoryRateLimitStore();
	const now = Date.now();
	await store.countRateLimited("jira-burst-based", now - 7_200_000);
	await store.countRateLimited("jira-burst-based", now);
	expect((await store.snapshot(now, 0)).rateLimited).toEqual({ "jira-burst-based": 1 });
});
