import { describe, expect, it } from "vitest";
import { TokenLeaseTimeoutError } from "../../src/index.js";
import { rejection } from "../support/rejection.js";

import { setup } from "../support/token-manager-setup.js";

describe("the refresh lease: take it or wait for its holder", () => {
	it("waits for another holder of the lease and uses the token it stored instead of spending a stale refresh token", async () => {
		const { endpoint, store, manager, signIn } = setup();
		const saved = await signIn();
		const otherProcess = await store.acquireLease("conn", 10_000);
		expect(otherProcess).not.toBeNull();
		const waiting = manager.getAccessToken("conn");
		await new Promise((resolve) => setTimeout(resolve, 60));
		// The other process rotates the token while we wait.
		await store.compareAndSet("conn", saved.version, {
			...saved,
			accessToken: "from-other-process",
			refreshToken: "rt-other",
			expiresAt: Date.now() + 3600_000,
			version: saved.version + 1,
		});
		await otherProcess?.release();
		expect(await waiting).toBe("from-other-process");
		expect(endpoint.requests).toBe(0);
	});

	it("a holder whose refresh failed (written, its failure counted) is no answer: the waiter never gets its expired token", async () => {
		const { endpoint, store, manager, signIn } = setup();
		const saved = await signIn(1);
		const otherProcess = await store.acquireLease("conn", 10_000);
		const waiting = manager.getAccessToken("conn");
		await new Promise((resolve) => setTimeout(resolve, 60));
		// The other process's refresh met a 429: it counts the failure, and lets go.
		await store.compareAndSet("conn", saved.version, {
			...saved,
			consecutiveFailures: 1,
			lastFailureAt: Date.now(),
			lastErrorKind: "rate_limited",
			version: saved.version + 1,
		});
		await otherProcess?.release();
		expect(await waiting).toBe("at-1"); // refreshed by the waiter itself
		expect(endpoint.requests).toBe(1);
	});

	it("gives up with TokenLeaseTimeoutError when the lease is never released", async () => {
		const { store, manager, signIn } = setup({ leaseWaitMs: 150 });
		await signIn();
		await store.acquireLease("conn", 60_000);
		const error = await rejection(manager.getAccessToken("conn"));
		expect(error).toBeInstanceOf(TokenLeaseTimeoutError);
		expect((error as TokenLeaseTimeoutError).key).toBe("conn");
	});
});
