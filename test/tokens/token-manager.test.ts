import { describe, expect, it, vi } from "vitest";
import {
	ArcticFetchError,
	Atlassian,
	encryptedTokenStore,
	isReauthorizationRequired,
	MemoryTokenStore,
	OAuth2RequestError,
	OAuth2Tokens,
	RefreshOutcomeUnknownError,
	type StoredTokenSet,
	TokenLeaseTimeoutError,
	TokenLockTimeoutError,
	TokenManager,
	type TokenManagerOptions,
	TokenNotFoundError,
	type TokenStore,
	TokenStoreTimeoutError,
	TokenWriteNotDurableError,
	UnexpectedResponseError,
} from "../../src/index.js";
import { AtlassianEmulator, DEFAULT_CLIENT } from "../../src/testing/index.js";
import { rejection } from "../support/rejection.js";
import { RotatingTokenEndpoint } from "../support/rotating-token-endpoint.js";

function setup(
	options: Partial<Omit<TokenManagerOptions, "store">> & {
		expiresInSeconds?: number;
		timeoutMs?: number;
		store?: TokenStore;
		/** Awaited after each request has reached the endpoint and before it answers: a slow Atlassian. */
		beforeAnswer?: () => Promise<void>;
	} = {},
) {
	const endpoint = new RotatingTokenEndpoint();
	const store = options.store ?? new MemoryTokenStore();
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
		...options,
		store,
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

/** A TokenManager on the emulator (Atlassian's 10-minute reuse window) with a clock both share. */
async function emulatorSetup(
	options: { emulator?: AtlassianEmulator; fetch?: (request: Request, emulator: AtlassianEmulator) => Promise<Response> } & Partial<
		Omit<TokenManagerOptions, "store" | "now">
	> = {},
) {
	const emulator = options.emulator ?? new AtlassianEmulator();
	const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, DEFAULT_CLIENT.redirectURIs[0] as string, {
		hosts: { authorizationServer: "https://emulator.test", apiGateway: "https://emulator.test" },
		fetch: (input, init) => (options.fetch ?? ((request) => emulator.handle(request)))(new Request(input, init), emulator),
	});
	const store = new MemoryTokenStore();
	const manager = new TokenManager(atlassian, { ...options, store, now: () => emulator.now() });
	const code = emulator.issueAuthorizationCode({
		redirectURI: DEFAULT_CLIENT.redirectURIs[0] as string,
		scopes: ["read:me", "offline_access"],
	});
	await manager.save("conn", await atlassian.validateAuthorizationCode(code));
	return { emulator, store, manager };
}

/** A refresh request (not the sign-in's code exchange), which the fault-injecting fetches below act on. */
/** Runs `call` with fake timers, fast-forwarding the resend delays (250 ms, 1 s, 4 s) instead of waiting them out. */
async function withResendDelaysSkipped<T>(call: () => Promise<T>): Promise<T> {
	vi.useFakeTimers({ toFake: ["setTimeout"] });
	try {
		const pending = call();
		pending.catch(() => {});
		await vi.advanceTimersByTimeAsync(10_000);
		return await pending;
	} finally {
		vi.useRealTimers();
	}
}

const isRefreshRequest = async (request: Request) =>
	new URL(request.url).pathname === "/oauth/token" && (await request.clone().text()).includes('"grant_type":"refresh_token"');

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

	it("marks the refresh token as sent, fenced, before sending it", async () => {
		let seen: StoredTokenSet | null = null;
		const { store, manager, signIn } = setup({
			beforeAnswer: async () => {
				seen = await store.get("conn");
			},
		});
		const saved = await signIn();
		await manager.refresh("conn");
		expect(seen).toMatchObject({ refreshToken: "rt-0", version: saved.version + 1 });
		expect((seen as unknown as StoredTokenSet).refreshSentAt).toBeTypeOf("number");
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

	it("caps an absurd expires_in (1e13) instead of storing garbage", async () => {
		const { endpoint, store, manager, signIn } = setup();
		await signIn();
		endpoint.fault = "huge-expires-in";
		await manager.refresh("conn");
		const stored = await store.get("conn");
		expect(stored?.refreshToken).toBe("rt-1");
		expect(Number.isFinite(stored?.expiresAt)).toBe(true);
		expect(stored?.expiresAt).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		expect(endpoint.requests).toBe(1);
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

	it("on invalid_grant records that re-authorization is needed, calls the hooks, and then fails without a request until save()", async () => {
		const onReauthorizationRequired = vi.fn();
		const onRefreshFailed = vi.fn();
		const { endpoint, store, manager, signIn } = setup({ onReauthorizationRequired, onRefreshFailed });
		await signIn();
		endpoint.current = "rotated-elsewhere";
		const first = await rejection(manager.getAccessToken("conn"));
		expect(first).toBeInstanceOf(OAuth2RequestError);
		expect((first as OAuth2RequestError).status).toBe(403);
		expect(isReauthorizationRequired(first)).toBe(true);
		expect(onReauthorizationRequired).toHaveBeenCalledExactlyOnceWith("conn", first);
		expect(onRefreshFailed).toHaveBeenCalledExactlyOnceWith("conn", first);
		expect(await store.get("conn")).toMatchObject({ reauthorizationRequired: true });
		expect((await store.get("conn"))?.refreshSentAt).toBeUndefined();
		const requests = endpoint.requests;
		for (const call of [() => manager.getAccessToken("conn"), () => manager.refresh("conn")]) {
			const later = await rejection(call());
			expect(later).toBeInstanceOf(OAuth2RequestError);
			expect(isReauthorizationRequired(later)).toBe(true);
		}
		expect(endpoint.requests).toBe(requests);
		expect(onReauthorizationRequired).toHaveBeenCalledTimes(1);
		endpoint.current = "rt-0";
		await signIn();
		expect((await store.get("conn"))?.reauthorizationRequired).toBeUndefined();
		expect(await manager.getAccessToken("conn")).toBe("at-1");
	});

	it.each([
		["a network fault", "network", ArcticFetchError],
		["a 503 OAuth error", "503", OAuth2RequestError],
		["an HTML 502", "html", UnexpectedResponseError],
	] as const)(
		"%s is resent with the same refresh token a few times, then thrown, leaving the tokens usable",
		async (_, fault, errorClass) => {
			vi.useFakeTimers({ toFake: ["setTimeout"] });
			try {
				const { endpoint, store, manager, signIn } = setup();
				const saved = await signIn();
				endpoint.fault = fault;
				const pending = rejection(manager.getAccessToken("conn"));
				await vi.advanceTimersByTimeAsync(10_000);
				const error = await pending;
				expect(error).toBeInstanceOf(errorClass);
				expect(isReauthorizationRequired(error)).toBe(false);
				expect(endpoint.attempts).toBe(4); // the first send and three resends inside the reuse window
				// The refresh token is kept, marked as sent: whoever comes next resends it inside the reuse window.
				expect(await store.get("conn")).toMatchObject({ refreshToken: saved.refreshToken, accessToken: saved.accessToken });
				endpoint.fault = "none";
				const recovered = manager.getAccessToken("conn");
				await vi.advanceTimersByTimeAsync(100);
				expect(await recovered).toBe("at-1");
				expect((await store.get("conn"))?.refreshSentAt).toBeUndefined();
			} finally {
				vi.useRealTimers();
			}
		},
	);

	it("a refused refresh (4xx that is not invalid_grant) is not resent and clears the sent mark", async () => {
		const atlassian = new Atlassian("id", "wrong", "https://app.example/cb", {
			fetch: async () =>
				new Response('{"error":"access_denied","error_description":"Unauthorized"}', {
					status: 401,
					headers: { "Content-Type": "application/json" },
				}),
		});
		const store = new MemoryTokenStore();
		const manager = new TokenManager(atlassian, { store });
		await manager.save("conn", new OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: 10 }));
		const error = await rejection(manager.refresh("conn"));
		expect(error).toMatchObject({ code: "access_denied", status: 401 });
		const stored = await store.get("conn");
		expect(stored?.refreshSentAt).toBeUndefined();
		expect(stored?.reauthorizationRequired).toBeUndefined();
	});

	it("a slow answer (past 0.8 × leaseTtlMs, even past the TTL) is waited for under a renewed lease, not aborted", async () => {
		const { endpoint, store, manager, signIn } = setup({
			leaseTtlMs: 400,
			beforeAnswer: () => new Promise((resolve) => setTimeout(resolve, 900)),
		});
		await signIn();
		const refreshing = manager.refresh("conn");
		await new Promise((resolve) => setTimeout(resolve, 600));
		// Another process tries meanwhile, past the first TTL: the lease is still held.
		expect(await store.acquireLease("conn", 400)).toBeNull();
		expect(await refreshing).toMatchObject({ accessToken: "at-1", refreshToken: "rt-1" });
		expect(await store.get("conn")).toMatchObject({ refreshToken: "rt-1" });
		expect(endpoint.invalidGrants).toBe(0);
	});

	it("a send with no answer by refreshTimeoutMs is given up, its deadline recorded, and recovered by a resend inside the reuse window", async () => {
		let slowAnswers = 0;
		const { emulator, store, manager } = await emulatorSetup({
			leaseTtlMs: 400,
			refreshTimeoutMs: 200,
			// Atlassian performs the refresh, but the first answer takes 900 ms to come back.
			fetch: async (request, emulator) => {
				const response = await emulator.handle(request);
				if (slowAnswers-- > 0) await new Promise((resolve) => setTimeout(resolve, 900));
				return response;
			},
		});
		const before = (await store.get("conn")) as StoredTokenSet;
		slowAnswers = 1;
		const refreshing = manager.refresh("conn");
		await new Promise((resolve) => setTimeout(resolve, 150));
		// While the send is on its way, the lease is held, and the mark records when the send is given up.
		expect(await store.acquireLease("conn", 400)).toBeNull();
		const marked = (await store.get("conn")) as StoredTokenSet;
		// refreshTimeoutMs after the send was claimed (a millisecond or two after the first-send time it records).
		expect(marked.refreshDeadline).toBeGreaterThanOrEqual((marked.refreshSentAt as number) + 200);
		expect(marked.refreshDeadline).toBeLessThan((marked.refreshSentAt as number) + 250);
		const refreshed = await refreshing;
		expect(refreshed.refreshToken).not.toBe(before.refreshToken);
		// The stored refresh token is the live one: it refreshes again.
		emulator.advanceTime(3600_000);
		expect(await manager.getAccessToken("conn")).toBeTypeOf("string");
		expect((await store.get("conn"))?.refreshDeadline).toBeUndefined();
	});

	it("a send is given up as soon as its lease can no longer be renewed, before the lease could lapse", async () => {
		const inner = new MemoryTokenStore();
		let renewals = true;
		const store: TokenStore = {
			get: (key) => inner.get(key),
			getVersion: (key) => inner.getVersion(key),
			compareAndSet: (key, version, tokens) => inner.compareAndSet(key, version, tokens),
			delete: (key) => inner.delete(key),
			acquireLease: async (key, ttlMs) => {
				const lease = await inner.acquireLease(key, ttlMs);
				return lease && { renew: async (renewTtlMs) => renewals && lease.renew(renewTtlMs), release: () => lease.release() };
			},
		};
		let sent = 0;
		const { manager, signIn } = setup({
			store,
			leaseTtlMs: 600,
			beforeAnswer: () => {
				sent++;
				// The store stops renewing the lease (another holder, a lost connection), and Atlassian never answers.
				renewals = false;
				return new Promise(() => {});
			},
		});
		await signIn();
		const startedAt = Date.now();
		const error = await rejection(manager.refresh("conn"));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect((error.cause as DOMException).message).toMatch(/lease could not be renewed/);
		// Given up on the first renewal that failed, well before the 600 ms lease (or the 30 s refreshTimeoutMs) ran out.
		expect(Date.now() - startedAt).toBeLessThan(600);
		expect(sent).toBe(1);
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

	it("gives up with TokenLeaseTimeoutError when the lease is never released", async () => {
		const { store, manager, signIn } = setup({ leaseWaitMs: 150 });
		await signIn();
		await store.acquireLease("conn", 60_000);
		const error = await rejection(manager.getAccessToken("conn"));
		expect(error).toBeInstanceOf(TokenLeaseTimeoutError);
		expect((error as TokenLeaseTimeoutError).key).toBe("conn");
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

	it("refreshes again once the new token enters the window, on the injected clock", async () => {
		let now = Date.now();
		const { endpoint, manager, signIn } = setup({ now: () => now });
		await signIn(3600);
		expect(await manager.getAccessToken("conn")).toBe("at-0");
		now += 3400_000;
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		expect(endpoint.requests).toBe(1);
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
});

describe("TokenManager under faults", () => {
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

	it("a rotated set the store will not take is kept in memory, served, and written once the store is back", async () => {
		const onStoreWriteFailed = vi.fn();
		const { endpoint, store, manager, signIn } = setup({ onStoreWriteFailed });
		const saved = await signIn();
		const compareAndSet = vi.spyOn(store, "compareAndSet");
		let down = false;
		compareAndSet.mockImplementation(async (key, expectedVersion, tokens) => {
			if (down) throw new Error("READONLY You can't write against a read only replica");
			down = tokens.accessToken === "at-0"; // the store goes down right after the sent mark is written
			return MemoryTokenStore.prototype.compareAndSet.call(store, key, expectedVersion, tokens);
		});
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		expect(await store.get("conn")).toMatchObject({ refreshToken: saved.refreshToken }); // not written yet
		// Served from memory while the store is down: no second request.
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		expect((await manager.getTokenSet("conn"))?.refreshToken).toBe("rt-1");
		await vi.waitFor(() => expect(onStoreWriteFailed.mock.calls.length).toBeGreaterThanOrEqual(2));
		expect(onStoreWriteFailed.mock.calls[0]?.[0]).toBe("conn");
		down = false;
		await vi.waitFor(() => expect(store.get("conn")).resolves.toMatchObject({ accessToken: "at-1", refreshToken: "rt-1" }), {
			timeout: 5_000,
		});
		expect((await store.get("conn"))?.refreshSentAt).toBeUndefined();
		expect(endpoint.requests).toBe(1);
		expect(endpoint.invalidGrants).toBe(0);
		// The lease was held while the write was pending, and is free now.
		expect(await store.acquireLease("conn", 1000)).not.toBeNull();
	});

	/** A store whose writes of rotated sets land on the primary but reach no replica while `replicasDown`. */
	function laggingReplicas(store: MemoryTokenStore) {
		const state = { replicasDown: false };
		vi.spyOn(store, "compareAndSet").mockImplementation(async (key, expectedVersion, tokens) => {
			const written = await MemoryTokenStore.prototype.compareAndSet.call(store, key, expectedVersion, tokens);
			if (written && state.replicasDown && tokens.refreshSentAt === undefined) throw new TokenWriteNotDurableError(key, 0, 1);
			return written;
		});
		return state;
	}

	it("a rotated set the replicas do not have yet is not handed out until a write of it is confirmed", async () => {
		const onStoreWriteFailed = vi.fn();
		const { endpoint, store, manager, signIn, refreshed } = setup({ onStoreWriteFailed });
		await signIn();
		const replicas = laggingReplicas(store as MemoryTokenStore);
		replicas.replicasDown = true;
		let settled = false;
		const pending = manager.getAccessToken("conn").finally(() => {
			settled = true;
		});
		await vi.waitFor(() => expect(onStoreWriteFailed).toHaveBeenCalledTimes(2));
		expect(settled).toBe(false);
		expect(onStoreWriteFailed.mock.calls[0]?.[1]).toBeInstanceOf(TokenWriteNotDurableError);
		expect(refreshed).toEqual([]);
		replicas.replicasDown = false;
		expect(await pending).toBe("at-1");
		expect(await store.get("conn")).toMatchObject({ accessToken: "at-1", refreshToken: "rt-1" });
		expect(refreshed).toHaveLength(1);
		expect(endpoint.requests).toBe(1);
	});

	it("past leaseWaitMs the caller hears TokenWriteNotDurableError, and the set is confirmed in the background, never served meanwhile", async () => {
		const onRefresh = vi.fn();
		const { endpoint, store, signIn } = setup();
		const manager = new TokenManager(new Atlassian("id", "secret", "https://app.example/cb", { fetch: endpoint.fetch }), {
			store,
			leaseWaitMs: 300,
			onRefresh,
		});
		await signIn();
		const replicas = laggingReplicas(store as MemoryTokenStore);
		replicas.replicasDown = true;
		const error = await rejection(manager.refresh("conn"));
		expect(error).toBeInstanceOf(TokenWriteNotDurableError);
		expect(onRefresh).not.toHaveBeenCalled();
		// The lease is still held by the background writer: nobody refreshes over it.
		expect(await store.acquireLease("conn", 1000)).toBeNull();
		replicas.replicasDown = false;
		await vi.waitFor(() => expect(onRefresh).toHaveBeenCalledOnce(), { timeout: 5_000 });
		expect(await store.get("conn")).toMatchObject({ accessToken: "at-1", refreshToken: "rt-1" });
		expect(endpoint.requests).toBe(1);
	});

	it("an answer lost after Atlassian rotated is recovered inside the reuse window with the same refresh token", async () => {
		let dropped = 0;
		const { emulator, store, manager } = await emulatorSetup({
			fetch: async (request, emulator) => {
				const refresh = await isRefreshRequest(request);
				const response = await emulator.handle(request);
				if (refresh && dropped++ === 0) throw new TypeError("fetch failed: socket hang up");
				return response;
			},
		});
		emulator.advanceTime(3500 * 1000);
		const accessToken = await manager.getAccessToken("conn");
		const stored = await store.get("conn");
		expect(stored?.accessToken).toBe(accessToken);
		expect(emulator.isRefreshTokenCurrent(stored?.refreshToken ?? "")).toBe(true);
		expect(emulator.refreshStats).toEqual({ rotations: 1, reuses: 1, revocations: 0 });
	});

	it("another process finding a sent mark inside the window resends the same refresh token and keeps the grant", async () => {
		const { emulator, store, manager } = await emulatorSetup({
			fetch: async (request, emulator) => {
				const refresh = await isRefreshRequest(request);
				const response = await emulator.handle(request);
				if (refresh) throw new TypeError("fetch failed: socket hang up");
				return response;
			},
		});
		emulator.advanceTime(3500 * 1000);
		expect(await withResendDelaysSkipped(() => rejection(manager.refresh("conn")))).toBeInstanceOf(ArcticFetchError); // every answer lost
		const marked = await store.get("conn");
		expect(marked?.refreshSentAt).toBeTypeOf("number");
		// Another worker, a few minutes later: Atlassian honours the previous refresh token once more.
		emulator.advanceTime(4 * 60 * 1000);
		const other = new TokenManager(
			new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, DEFAULT_CLIENT.redirectURIs[0] as string, {
				hosts: { authorizationServer: "https://emulator.test", apiGateway: "https://emulator.test" },
				fetch: (input, init) => emulator.handle(new Request(input, init)),
			}),
			{ store, now: () => emulator.now() },
		);
		const refreshed = await other.getAccessToken("conn");
		const stored = await store.get("conn");
		expect(stored).toMatchObject({ accessToken: refreshed });
		expect(stored?.refreshSentAt).toBeUndefined();
		expect(emulator.isRefreshTokenCurrent(stored?.refreshToken ?? "")).toBe(true);
		expect(emulator.refreshStats.revocations).toBe(0);
	});

	it("outside the reuse window it reports the outcome unknown without sending; retryUnknownOutcome accepts the risk", async () => {
		const onRefreshFailed = vi.fn();
		let failing = true;
		const { emulator, store, manager } = await emulatorSetup({
			onRefreshFailed,
			fetch: async (request, emulator) => {
				if (failing && (await isRefreshRequest(request))) throw new TypeError("fetch failed: connect ECONNREFUSED");
				return emulator.handle(request);
			},
		});
		emulator.advanceTime(3500 * 1000);
		await withResendDelaysSkipped(() => rejection(manager.refresh("conn")));
		emulator.advanceTime(11 * 60 * 1000);
		failing = false;
		const requests = emulator.requests.length;
		const unknown = await rejection(manager.getAccessToken("conn"));
		expect(unknown).toBeInstanceOf(RefreshOutcomeUnknownError);
		expect((unknown as RefreshOutcomeUnknownError).sentAt).toBe((await store.get("conn"))?.refreshSentAt);
		expect(isReauthorizationRequired(unknown)).toBe(false);
		expect(emulator.requests.length).toBe(requests);
		expect(onRefreshFailed).toHaveBeenLastCalledWith("conn", unknown);
		// This time the refresh never reached Atlassian, so accepting the risk works.
		const refreshed = await manager.refresh("conn", { retryUnknownOutcome: true });
		expect(emulator.isRefreshTokenCurrent(refreshed.refreshToken ?? "")).toBe(true);
	});

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

	it("a refresher of your own that returns an unusable set: refused once with a TypeError, not written again in the background", async () => {
		const onStoreWriteFailed = vi.fn();
		const store = new MemoryTokenStore();
		const refresher = {
			refreshAccessToken: async () =>
				({
					accessToken: () => 42,
					hasRefreshToken: () => false,
					accessTokenExpiresInSeconds: () => 3600,
					hasScopes: () => false,
				}) as unknown as OAuth2Tokens,
		};
		const manager = new TokenManager(refresher, { store, onStoreWriteFailed });
		await manager.save("conn", new OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: 3600 }));
		const error = await rejection(manager.refresh("conn"));
		expect(error).toBeInstanceOf(TypeError);
		expect((error as Error).message).toContain("invalid token set");
		await new Promise((resolve) => setTimeout(resolve, 600)); // past the background writer's first two attempts
		expect(onStoreWriteFailed).not.toHaveBeenCalled();
	});
});
