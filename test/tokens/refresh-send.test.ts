import { describe, expect, it, vi } from "vitest";
import {
	ArcticFetchError,
	Atlassian,
	isReauthorizationRequired,
	MemoryTokenStore,
	OAuth2RequestError,
	OAuth2Tokens,
	type StoredTokenSet,
	TokenManager,
	type TokenStore,
	UnexpectedResponseError,
} from "../../src/index.js";
import { rejection } from "../support/rejection.js";

import { emulatorSetup, setup, withResendDelaysSkipped } from "../support/token-manager-setup.js";

describe("the refresh send: claim, send, and what a failure means", () => {
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

	it("without a refresh token, an expired access token requires re-authorization", async () => {
		const { endpoint, manager } = setup();
		await manager.save("conn", new OAuth2Tokens({ access_token: "at-0", expires_in: 10 }));
		const error = await rejection(manager.getAccessToken("conn"));
		expect(isReauthorizationRequired(error)).toBe(true);
		expect(endpoint.requests).toBe(0);
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

describe("a refresh's outcome, counted in the connection's health", () => {
	it("a transient failure makes the connection degraded (the sent mark kept); the next success makes it active again", async () => {
		const { endpoint, store, manager, signIn } = setup();
		await signIn();
		endpoint.fault = "503";
		await withResendDelaysSkipped(() => rejection(manager.getAccessToken("conn")));
		const degraded = await manager.getConnection("conn");
		expect(degraded).toMatchObject({ status: "degraded", reason: "refresh_failing", consecutiveFailures: 1, lastErrorKind: "server" });
		expect((await store.get("conn"))?.refreshSentAt).toBeDefined(); // the token may have rotated: kept for a resend
		endpoint.fault = "network";
		await withResendDelaysSkipped(() => rejection(manager.getAccessToken("conn")));
		expect(await manager.getConnection("conn")).toMatchObject({ status: "degraded", consecutiveFailures: 2, lastErrorKind: "network" });
		endpoint.fault = "none";
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		const recovered = await manager.getConnection("conn");
		expect(recovered).toMatchObject({ status: "active", reason: null, consecutiveFailures: 0, lastFailureAt: null, lastErrorKind: null });
		expect(recovered?.refreshedAt).not.toBeNull();
		expect(endpoint.invalidGrants).toBe(0);
	});

	it("Atlassian's refusal makes it reauthorization_required (invalid_grant); a new sign-in makes it active", async () => {
		const { endpoint, manager, signIn } = setup();
		await signIn();
		endpoint.current = "rt-revoked";
		await rejection(manager.getAccessToken("conn"));
		expect(await manager.getConnection("conn")).toMatchObject({
			status: "reauthorization_required",
			reason: "invalid_grant",
			consecutiveFailures: 1,
			lastErrorKind: "invalid_grant",
		});
		endpoint.current = "rt-0";
		await signIn();
		expect(await manager.getConnection("conn")).toMatchObject({ status: "active", consecutiveFailures: 0 });
	});

	it("a refusal of the app itself (wrong client secret) is degraded with client_config: the deployment's to fix", async () => {
		const atlassian = new Atlassian("id", "wrong", "https://app.example/cb", {
			fetch: async () => Response.json({ error: "access_denied", error_description: "Unauthorized" }, { status: 401 }),
		});
		const manager = new TokenManager(atlassian, { store: new MemoryTokenStore() });
		await manager.save("conn", new OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: 1 }));
		await rejection(manager.getAccessToken("conn"));
		expect(await manager.getConnection("conn")).toMatchObject({ status: "degraded", lastErrorKind: "client_config" });
	});
});
