import { describe, expect, it, vi } from "vitest";
import {
	ArcticFetchError,
	Atlassian,
	isReauthorizationRequired,
	MemoryTokenStore,
	OAuth2RequestError,
	OAuth2Tokens,
	type StoredTokenSet,
	TokenLockTimeoutError,
	TokenManager,
	TokenNotFoundError,
	UnexpectedResponseError,
} from "../../src/index.js";
import { rejection } from "../support/rejection.js";
import { RotatingTokenEndpoint } from "../support/rotating-token-endpoint.js";

function setup(
	options: {
		expiresInSeconds?: number;
		lockTtlMs?: number;
		lockWaitMs?: number;
		timeoutMs?: number;
		/** Awaited after each request has reached the endpoint and before it answers: a slow Atlassian. */
		beforeAnswer?: () => Promise<void>;
	} = {},
) {
	const endpoint = new RotatingTokenEndpoint();
	const store = new MemoryTokenStore();
	const { beforeAnswer } = options;
	const fetch: typeof endpoint.fetch = beforeAnswer
		? async (input, init) => {
				await beforeAnswer();
				return endpoint.fetch(input, init);
			}
		: endpoint.fetch;
	const atlassian = new Atlassian("id", "secret", "https://app.example/cb", { fetch, timeoutMs: options.timeoutMs });
	const refreshed: StoredTokenSet[] = [];
	const manager = new TokenManager(atlassian, {
		store,
		lockTtlMs: options.lockTtlMs,
		lockWaitMs: options.lockWaitMs,
		onRefresh: (_key, tokens) => {
			refreshed.push(tokens);
		},
	});
	const signIn = (expiresIn = options.expiresInSeconds ?? 60) =>
		manager.save(
			"conn",
			new OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: expiresIn, scope: "read:me offline_access" }),
		);
	return { endpoint, store, manager, refreshed, signIn };
}

describe("TokenManager", () => {
	it("save() stores the sign-in and getAccessToken() returns a fresh token without a request", async () => {
		const { endpoint, store, manager, signIn } = setup();
		const saved = await signIn(3600);
		expect(saved).toMatchObject({ accessToken: "at-0", refreshToken: "rt-0", scopes: ["read:me", "offline_access"], version: 1 });
		expect(await store.get("conn")).toEqual(saved);
		expect(await manager.getAccessToken("conn")).toBe("at-0");
		expect(endpoint.requests).toBe(0);
	});

	it("refreshes inside the refresh window and stores the rotated refresh token before returning", async () => {
		const { endpoint, store, manager, refreshed, signIn } = setup();
		await signIn(60); // within the default 300 s window
		const accessToken = await manager.getAccessToken("conn");
		expect(accessToken).toBe("at-1");
		expect(endpoint.requests).toBe(1);
		const stored = await store.get("conn");
		expect(stored).toMatchObject({ accessToken: "at-1", refreshToken: "rt-1", version: 2 });
		expect(stored?.expiresAt).toBeGreaterThan(Date.now() + 3500_000);
		expect(refreshed).toEqual([stored]);
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		expect(endpoint.requests).toBe(1);
	});

	it("retries writing a rotated token set when the store blips, and reports a store that stays down", async () => {
		const { store, manager, signIn } = setup();
		await signIn();
		const set = vi.spyOn(store, "set");
		set.mockRejectedValueOnce(new Error("READONLY You can't write against a read only replica"));
		set.mockRejectedValueOnce(new Error("connection reset"));
		await manager.refresh("conn");
		expect(await store.get("conn")).toMatchObject({ refreshToken: "rt-1", version: 2 });
		set.mockRejectedValue(new Error("Redis is down"));
		await expect(manager.refresh("conn")).rejects.toThrow("Redis is down");
		expect(set).toHaveBeenCalledTimes(3 + 4);
		set.mockRestore();
	});

	it("keeps the previous refresh token when Atlassian answers without one", async () => {
		const { endpoint, store, manager, signIn } = setup();
		await signIn();
		endpoint.fault = "no-refresh-token";
		await manager.refresh("conn");
		expect(await store.get("conn")).toMatchObject({ accessToken: "at-1", refreshToken: "rt-0" });
	});

	it("keeps a rotated refresh token even when expires_in is missing, and refreshes again next time", async () => {
		const { endpoint, store, manager, signIn } = setup();
		await signIn();
		endpoint.fault = "no-expires-in";
		await manager.refresh("conn");
		expect(await store.get("conn")).toMatchObject({ refreshToken: "rt-1" });
		endpoint.fault = "none";
		expect(await manager.getAccessToken("conn")).toBe("at-2");
	});

	it("single-flights concurrent calls for one key into one refresh (one lock, one request)", async () => {
		const { endpoint, store, manager, signIn } = setup();
		await signIn();
		const lock = vi.spyOn(store, "lock");
		const tokens = await Promise.all(Array.from({ length: 1000 }, () => manager.getAccessToken("conn")));
		expect(new Set(tokens)).toEqual(new Set(["at-1"]));
		expect(lock).toHaveBeenCalledTimes(1);
		expect(endpoint.requests).toBe(1);
		expect(endpoint.invalidGrants).toBe(0);
	});

	it("on invalid_grant records that re-authorization is needed and then fails without a request until save()", async () => {
		const { endpoint, store, manager, signIn } = setup();
		await signIn();
		endpoint.current = "rotated-elsewhere";
		const first = await rejection(manager.getAccessToken("conn"));
		expect(first).toBeInstanceOf(OAuth2RequestError);
		expect((first as OAuth2RequestError).status).toBe(403);
		expect(isReauthorizationRequired(first)).toBe(true);
		expect((await store.get("conn"))?.reauthorizationRequired).toBe(true);
		const requests = endpoint.requests;
		for (const call of [() => manager.getAccessToken("conn"), () => manager.refresh("conn")]) {
			const later = await rejection(call());
			expect(later).toBeInstanceOf(OAuth2RequestError);
			expect(isReauthorizationRequired(later)).toBe(true);
		}
		expect(endpoint.requests).toBe(requests);
		endpoint.current = "rt-0";
		await signIn();
		expect((await store.get("conn"))?.reauthorizationRequired).toBeUndefined();
		expect(await manager.getAccessToken("conn")).toBe("at-1");
	});

	it.each([
		["a network fault", "network", ArcticFetchError],
		["a 503 OAuth error", "503", OAuth2RequestError],
		["an HTML 502", "html", UnexpectedResponseError],
	] as const)("%s is thrown as it is and leaves the stored tokens untouched", async (_, fault, errorClass) => {
		const { endpoint, store, manager, signIn } = setup();
		const saved = await signIn();
		endpoint.fault = fault;
		const error = await rejection(manager.getAccessToken("conn"));
		expect(error).toBeInstanceOf(errorClass);
		expect(isReauthorizationRequired(error)).toBe(false);
		expect(await store.get("conn")).toEqual(saved);
		endpoint.fault = "none";
		expect(await manager.getAccessToken("conn")).toBe("at-1");
	});

	it("aborts a refresh that would outlive its lock, and keeps the stored tokens", async () => {
		const { endpoint, store, manager, signIn } = setup({ lockTtlMs: 200 });
		const saved = await signIn();
		endpoint.fault = "hang";
		const error = await rejection(manager.refresh("conn"));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect(await store.get("conn")).toEqual(saved);
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
		expect(await store.get("conn")).toMatchObject({ accessToken: "at-1", refreshToken: "rt-1", version: 2 });
		expect(endpoint.requests).toBe(1);
	});

	it("an already-aborted signal starts no refresh", async () => {
		const { endpoint, manager, signIn } = setup();
		await signIn();
		const error = await rejection(manager.refresh("conn", { signal: AbortSignal.abort(new Error("too late")) }));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect(endpoint.requests).toBe(0);
	});

	it("waits for another holder of the lock and uses the token it stored instead of spending a stale refresh token", async () => {
		const { endpoint, store, manager, signIn } = setup();
		const saved = await signIn();
		const otherProcess = await store.lock("conn", 10_000);
		expect(otherProcess).not.toBeNull();
		const waiting = manager.getAccessToken("conn");
		await new Promise((resolve) => setTimeout(resolve, 60));
		// The other process rotates the token while we wait.
		await store.set("conn", {
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

	it("gives up with TokenLockTimeoutError when the lock is never released", async () => {
		const { store, manager, signIn } = setup({ lockWaitMs: 150 });
		await signIn();
		await store.lock("conn", 60_000);
		const error = await rejection(manager.getAccessToken("conn"));
		expect(error).toBeInstanceOf(TokenLockTimeoutError);
		expect((error as TokenLockTimeoutError).key).toBe("conn");
	});

	it("without a refresh token, an expired access token requires re-authorization", async () => {
		const { endpoint, manager } = setup();
		await manager.save("conn", new OAuth2Tokens({ access_token: "at-0", expires_in: 10 }));
		const error = await rejection(manager.getAccessToken("conn"));
		expect(isReauthorizationRequired(error)).toBe(true);
		expect(endpoint.requests).toBe(0);
	});

	it("throws TokenNotFoundError for an unknown key, and delete() removes a connection", async () => {
		const { manager, signIn } = setup();
		expect(await rejection(manager.getAccessToken("nobody"))).toBeInstanceOf(TokenNotFoundError);
		await signIn();
		await manager.delete("conn");
		expect(await manager.getTokenSet("conn")).toBeNull();
		expect(await rejection(manager.refresh("conn"))).toBeInstanceOf(TokenNotFoundError);
	});

	it("refreshes again once the new token enters the window", async () => {
		vi.useFakeTimers({ toFake: ["Date"] });
		try {
			const { endpoint, manager, signIn } = setup();
			await signIn(3600);
			expect(await manager.getAccessToken("conn")).toBe("at-0");
			vi.setSystemTime(Date.now() + 3400_000);
			expect(await manager.getAccessToken("conn")).toBe("at-1");
			expect(endpoint.requests).toBe(1);
		} finally {
			vi.useRealTimers();
		}
	});

	it.each([
		[{ lockTtlMs: 0 }, /lockTtlMs must be from 1/],
		[{ lockTtlMs: Number.POSITIVE_INFINITY }, /lockTtlMs must be from 1/],
		[{ lockWaitMs: -1 }, /lockWaitMs must be from 0/],
		[{ refreshWindowSeconds: -1 }, /refreshWindowSeconds must be a finite number/],
		[{ refreshWindowSeconds: Number.NaN }, /refreshWindowSeconds must be a finite number/],
	])("refuses the option %o with a clear TypeError", (option, message) => {
		const atlassian = new Atlassian("id", "secret", "https://app.example/cb");
		expect(() => new TokenManager(atlassian, { store: new MemoryTokenStore(), ...option })).toThrow(message);
	});
});

describe("MemoryTokenStore", () => {
	it("returns copies and locks with expiry and owner-checked release", async () => {
		const store = new MemoryTokenStore();
		const tokens: StoredTokenSet = { accessToken: "a", refreshToken: "r", expiresAt: 1, scopes: ["x"], version: 1 };
		await store.set("k", tokens);
		tokens.scopes.push("mutated");
		const read = await store.get("k");
		expect(read?.scopes).toEqual(["x"]);
		read?.scopes.push("again");
		expect((await store.get("k"))?.scopes).toEqual(["x"]);

		const first = await store.lock("k", 30);
		expect(first).not.toBeNull();
		expect(await store.lock("k", 30)).toBeNull();
		await new Promise((resolve) => setTimeout(resolve, 40));
		const second = await store.lock("k", 10_000);
		expect(second).not.toBeNull();
		await first?.release(); // expired holder: must not free the new holder's lock
		expect(await store.lock("k", 10_000)).toBeNull();
		await second?.release();
		expect(await store.lock("k", 10_000)).not.toBeNull();
		await store.delete("k");
		expect(await store.get("k")).toBeNull();
	});
});
