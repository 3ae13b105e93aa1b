import { describe, expect, it, vi } from "vitest";
import {
	ArcticFetchError,
	Atlassian,
	encryptedTokenStore,
	MemoryTokenStore,
	OAuth2Tokens,
	TokenLeaseTimeoutError,
	TokenLockTimeoutError,
	TokenManager,
	TokenNotFoundError,
	type TokenStore,
	TokenStoreTimeoutError,
} from "../../src/index.js";
import { rejection } from "../support/rejection.js";
import { RotatingTokenEndpoint } from "../support/rotating-token-endpoint.js";

import { setup } from "../support/token-manager-setup.js";

describe("TokenManager", () => {
	it("save() stores the sign-in with its consent time, and getAccessToken() returns a fresh token without a request", async () => {
		const { endpoint, store, manager, signIn } = setup();
		const before = Date.now();
		const saved = await signIn(3600);
		expect(saved).toMatchObject({ accessToken: "at-0", refreshToken: "rt-0", scopes: ["read:me", "offline_access"], version: 1 });
		expect(saved.consentedAt).toBeGreaterThanOrEqual(before);
		expect(saved.issuedAt).toBe(saved.consentedAt);
		expect(await store.get("conn")).toEqual(saved);
		expect(await manager.getAccessToken("conn")).toBe("at-0");
		expect(endpoint.requests).toBe(0);
	});

	it("refreshes inside the refresh window, stores the rotated refresh token before returning, and keeps the consent time", async () => {
		const { endpoint, store, manager, refreshed, signIn } = setup();
		const saved = await signIn(60); // within the default 300 s window
		const accessToken = await manager.getAccessToken("conn");
		expect(accessToken).toBe("at-1");
		expect(endpoint.requests).toBe(1);
		const stored = await store.get("conn");
		// Version 2 marked the refresh token as sent; version 3 is its answer.
		expect(stored).toMatchObject({ accessToken: "at-1", refreshToken: "rt-1", version: 3, consentedAt: saved.consentedAt });
		expect(stored?.refreshSentAt).toBeUndefined();
		expect(stored?.expiresAt).toBeGreaterThan(Date.now() + 3500_000);
		expect(refreshed).toEqual([stored]);
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		expect(endpoint.requests).toBe(1);
	});

	it("refresh({ rejectedAccessToken }) refreshes only while that token is still the current one", async () => {
		const { endpoint, manager, signIn } = setup();
		await signIn();
		// Callers that saw a 401 on at-0 arrive one after another: the first refreshes, the rest get its result.
		expect((await manager.refresh("conn", { rejectedAccessToken: "at-0" })).accessToken).toBe("at-1");
		expect((await manager.refresh("conn", { rejectedAccessToken: "at-0" })).accessToken).toBe("at-1");
		expect(endpoint.requests).toBe(1);
		// And together: one refresh.
		const together = await Promise.all(Array.from({ length: 5 }, () => manager.refresh("conn", { rejectedAccessToken: "at-1" })));
		expect(together.map((set) => set.accessToken)).toEqual(Array(5).fill("at-2"));
		expect(endpoint.requests).toBe(2);
		// Without it, refresh() forces one every time.
		await manager.refresh("conn");
		expect(endpoint.requests).toBe(3);
	});

	it("single-flights concurrent calls for one key into one refresh (one lease, one request)", async () => {
		const { endpoint, store, manager, signIn } = setup();
		await signIn();
		const acquireLease = vi.spyOn(store, "acquireLease");
		const tokens = await Promise.all(Array.from({ length: 1000 }, () => manager.getAccessToken("conn")));
		expect(new Set(tokens)).toEqual(new Set(["at-1"]));
		expect(acquireLease).toHaveBeenCalledTimes(1);
		expect(endpoint.requests).toBe(1);
		expect(endpoint.invalidGrants).toBe(0);
	});

	it("a caller's signal ends only its own wait: the shared refresh completes and stores the rotated token", async () => {
		let sent = 0;
		let release: () => void = () => {};
		const answer = new Promise<void>((resolve) => {
			release = resolve;
		});
		const { endpoint, store, manager, signIn } = setup({
			beforeAnswer: () => {
				sent++;
				return answer;
			},
		});
		await signIn();
		const controller = new AbortController();
		const cancelled = manager.refresh("conn", { signal: controller.signal });
		const patient = manager.getAccessToken("conn");
		await vi.waitFor(() => expect(sent).toBe(1));
		controller.abort(new Error("job cancelled"));
		const error = await rejection(cancelled);
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect((error.cause as Error).message).toBe("job cancelled");
		release();
		expect(await patient).toBe("at-1");
		expect(await store.get("conn")).toMatchObject({ accessToken: "at-1", refreshToken: "rt-1" });
		expect(endpoint.requests).toBe(1);
	});

	it("an already-aborted signal starts no refresh", async () => {
		const { endpoint, manager, signIn } = setup();
		await signIn();
		const error = await rejection(manager.refresh("conn", { signal: AbortSignal.abort(new Error("too late")) }));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect(endpoint.requests).toBe(0);
	});

	it("still takes the deprecated lockWaitMs and lockTtlMs, and TokenLockTimeoutError is the same class", async () => {
		const { store, manager, signIn } = setup({ lockWaitMs: 150, lockTtlMs: 1_000 });
		await signIn();
		await store.acquireLease("conn", 60_000);
		const startedAt = Date.now();
		const error = await rejection(manager.getAccessToken("conn"));
		expect(Date.now() - startedAt).toBeLessThan(1_000); // not the default wait of 2 × 30 s
		expect(error).toBeInstanceOf(TokenLockTimeoutError);
		expect(TokenLockTimeoutError).toBe(TokenLeaseTimeoutError);
		expect((error as Error).name).toBe("TokenLockTimeoutError");
		const atlassian = new Atlassian("id", "secret", "https://app.example/cb");
		expect(() => new TokenManager(atlassian, { store: new MemoryTokenStore(), leaseTtlMs: 1_000, lockTtlMs: 1_000 })).toThrow(
			"Give leaseTtlMs only: lockTtlMs is its deprecated name",
		);
	});

	it("throws TokenNotFoundError for an unknown key, and delete() removes a connection", async () => {
		const { manager, signIn } = setup();
		expect(await rejection(manager.getAccessToken("nobody"))).toBeInstanceOf(TokenNotFoundError);
		await signIn();
		await manager.delete("conn");
		expect(await manager.getTokenSet("conn")).toBeNull();
		expect(await rejection(manager.refresh("conn"))).toBeInstanceOf(TokenNotFoundError);
	});

	it.each([
		[{ leaseTtlMs: 0 }, /leaseTtlMs must be from 1/],
		[{ leaseTtlMs: Number.POSITIVE_INFINITY }, /leaseTtlMs must be from 1/],
		[{ leaseTtlMs: 1.5 }, /leaseTtlMs must be a whole number/],
		[{ leaseWaitMs: -1 }, /leaseWaitMs must be from 0/],
		[{ storeTimeoutMs: 0 }, /storeTimeoutMs must be from 1/],
		[{ refreshWindowSeconds: -1 }, /refreshWindowSeconds must be a finite number/],
		[{ refreshWindowSeconds: Number.NaN }, /refreshWindowSeconds must be a finite number/],
	])("refuses the option %o with a clear TypeError", (option, message) => {
		const atlassian = new Atlassian("id", "secret", "https://app.example/cb");
		expect(() => new TokenManager(atlassian, { store: new MemoryTokenStore(), ...option })).toThrow(message);
	});

	it("delete() during a refresh: the connection stays deleted", async () => {
		let release: (() => void) | undefined;
		const { store, manager, signIn } = setup({
			beforeAnswer: () =>
				new Promise((resolve) => {
					release = () => resolve();
				}),
		});
		await signIn();
		const refreshing = rejection(manager.refresh("conn"));
		await vi.waitFor(() => expect(release).toBeDefined());
		await manager.delete("conn"); // the user clicked "Disconnect"
		release?.();
		expect(await refreshing).toBeInstanceOf(TokenNotFoundError);
		expect(await store.get("conn")).toBeNull();
		expect(await manager.getTokenSet("conn")).toBeNull();
	});

	it("save() of a new consent during a refresh of the old grant: the new grant is kept", async () => {
		let release: () => void = () => {};
		const { store, manager, signIn } = setup({
			beforeAnswer: () =>
				new Promise((resolve) => {
					release = resolve;
				}),
		});
		await signIn();
		const refreshing = manager.refresh("conn");
		await new Promise((resolve) => setTimeout(resolve, 30));
		const newGrant = await manager.save(
			"conn",
			new OAuth2Tokens({
				access_token: "at-new",
				refresh_token: "rt-new",
				expires_in: 3600,
				scope: "read:me read:jira-work offline_access",
			}),
		);
		release();
		// The refresh's caller gets the newer grant, not the old one it rotated.
		expect(await refreshing).toEqual(newGrant);
		expect(await store.get("conn")).toEqual(newGrant);
	});

	it("save() replaces a record it cannot read: corrupt, or sealed with an encryption key that is gone", async () => {
		const inner = new MemoryTokenStore();
		const oldKey = crypto.getRandomValues(new Uint8Array(32));
		await new TokenManager(new RotatingTokenEndpoint() as never, { store: encryptedTokenStore(inner, oldKey) }).save(
			"conn",
			new OAuth2Tokens({ access_token: "at-old", refresh_token: "rt-old", expires_in: 3600 }),
		);
		const { manager, signIn } = setup({ store: encryptedTokenStore(inner, crypto.getRandomValues(new Uint8Array(32))) });
		expect(await rejection(manager.getAccessToken("conn"))).toMatchObject({ name: "TokenDecryptionError" });
		const saved = await signIn(3600);
		expect(saved.version).toBe(2);
		expect(await manager.getAccessToken("conn")).toBe("at-0");
	});

	it("a store that never answers: the caller's signal bounds getAccessToken, and storeTimeoutMs bounds every store call", async () => {
		const silent: TokenStore = {
			get: () => new Promise(() => {}),
			getVersion: () => new Promise(() => {}),
			compareAndSet: () => new Promise(() => {}),
			delete: () => new Promise(() => {}),
			acquireLease: () => new Promise(() => {}),
		};
		const manager = new TokenManager(new RotatingTokenEndpoint() as never, { store: silent, storeTimeoutMs: 300 });
		const started = Date.now();
		const aborted = await rejection(manager.getAccessToken("conn", { signal: AbortSignal.timeout(100) }));
		expect(aborted).toBeInstanceOf(ArcticFetchError);
		const timedOut = await rejection(manager.getAccessToken("conn"));
		expect(timedOut).toBeInstanceOf(TokenStoreTimeoutError);
		expect(timedOut).toMatchObject({ key: "conn", operation: "get" });
		expect(await rejection(manager.delete("conn"))).toBeInstanceOf(TokenStoreTimeoutError);
		expect(Date.now() - started).toBeLessThan(5_000);
	});
});
