import { afterEach, describe, expect, it, vi } from "vitest";
import { Atlassian, MemoryTokenStore, OAuth2Tokens, TokenManager, type TokenStore } from "../../src/index.js";
import { Wakeup } from "../../src/tokens/wakeup.js";
import { finishRefreshElsewhere } from "../support/another-process.js";

const realSetTimeout = globalThis.setTimeout;
const within = <T>(promise: Promise<T>, ms: number) =>
	Promise.race([promise, new Promise<"still waiting">((resolve) => realSetTimeout(() => resolve("still waiting"), ms))]);

describe("a process waiting for another's refresh", () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	async function waiterWhileAnotherProcessRefreshes(store: TokenStore) {
		const atlassian = new Atlassian("id", "secret", "https://app.example/cb", {
			fetch: () => Promise.reject(new Error("the waiter must not refresh")),
		});
		const waiter = new TokenManager(atlassian, { store });
		const saved = await waiter.save("conn", new OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: 0 }));
		// Another process holds the lease and is refreshing.
		const lease = await store.acquireLease("conn", 60_000);
		// No timer may fire from here on: the waiter's polling backoff is frozen.
		vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
		const waiting = waiter.getAccessToken("conn");
		await vi.advanceTimersByTimeAsync(0);
		expect(await finishRefreshElsewhere(store, saved, lease)).toBe(true);
		return waiting;
	}

	it("is woken by the store's notification, with its polling timers frozen", async () => {
		expect(await within(waiterWhileAnotherProcessRefreshes(new MemoryTokenStore()), 2_000)).toBe("at-1");
	});

	it("without notifications, waits for its next poll (the control: this test can fail)", async () => {
		const memory = new MemoryTokenStore();
		const withoutWatch: TokenStore = {
			get: memory.get.bind(memory),
			getVersion: memory.getVersion.bind(memory),
			compareAndSet: memory.compareAndSet.bind(memory),
			delete: memory.delete.bind(memory),
			acquireLease: memory.acquireLease.bind(memory),
		};
		const waiting = waiterWhileAnotherProcessRefreshes(withoutWatch);
		expect(await within(waiting, 500)).toBe("still waiting");
		await vi.advanceTimersByTimeAsync(1_000);
		expect(await waiting).toBe("at-1");
	});
});

describe("Wakeup", () => {
	it("returns at once from a sleep after a notification that came while nobody slept", async () => {
		vi.useFakeTimers();
		try {
			const wakeup = new Wakeup();
			wakeup.notify();
			await wakeup.sleep(60_000); // would hang with frozen timers
			const sleeping = wakeup.sleep(60_000);
			wakeup.notify();
			await sleeping;
		} finally {
			vi.useRealTimers();
		}
	});
});
