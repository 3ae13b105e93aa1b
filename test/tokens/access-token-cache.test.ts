import { describe, expect, it } from "vitest";
import {
	Atlassian,
	MemoryTokenStore,
	OAuth2Tokens,
	type StoredTokenSet,
	TokenManager,
	type TokenManagerOptions,
	TokenNotFoundError,
	type TokenStore,
} from "../../src/index.js";
import { AccessTokenCache } from "../../src/tokens/access-token-cache.js";
import { rejection } from "../support/rejection.js";
import { RotatingTokenEndpoint } from "../support/rotating-token-endpoint.js";

/** A store that counts reads, over a shared MemoryTokenStore. */
function counting(inner: TokenStore) {
	const counts = { get: 0 };
	const store: TokenStore = {
		get: (key, options) => {
			counts.get++;
			return inner.get(key, options);
		},
		getVersion: (key, options) => inner.getVersion(key, options),
		compareAndSet: (key, version, tokens, options) => inner.compareAndSet(key, version, tokens, options),
		delete: (key, options) => inner.delete(key, options),
		acquireLease: (key, ttlMs, options) => inner.acquireLease(key, ttlMs, options),
	};
	return { store, counts };
}

function setup(options: Partial<TokenManagerOptions> = {}, shared = new MemoryTokenStore()) {
	const clock = { now: 1_800_000_000_000 };
	const endpoint = new RotatingTokenEndpoint();
	const atlassian = new Atlassian("id", "secret", "https://app.example/cb", { fetch: endpoint.fetch });
	const { store, counts } = counting(shared);
	const manager = new TokenManager(atlassian, { store, cacheMs: 600_000, now: () => clock.now, ...options });
	const signIn = (expiresIn = 3600) =>
		manager.save("conn", new OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: expiresIn }));
	return { manager, counts, clock, endpoint, signIn, shared };
}

describe("TokenManager cacheMs", () => {
	it("serves a hot connection from memory: one store read per cacheMs", async () => {
		const { manager, counts, clock, signIn } = setup();
		await signIn();
		for (let call = 0; call < 100; call++) expect(await manager.getAccessToken("conn")).toBe("at-0");
		expect(counts.get).toBe(0); // save() wrote it, so this process knows it
		clock.now += 600_000;
		await manager.getAccessToken("conn");
		await manager.getAccessToken("conn");
		expect(counts.get).toBe(1);
	});

	it("is off by default: every call reads the store", async () => {
		const { manager, counts, signIn } = setup({ cacheMs: undefined });
		await signIn();
		await manager.getAccessToken("conn");
		await manager.getAccessToken("conn");
		expect(counts.get).toBe(2);
	});

	it("never serves a token inside the refresh window: it refreshes instead", async () => {
		const { manager, clock, endpoint, signIn } = setup({ refreshWindowSeconds: 300 });
		await signIn(600);
		expect(await manager.getAccessToken("conn")).toBe("at-0");
		clock.now += 301_000; // 299 s left: inside the refresh window
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		expect(endpoint.requests).toBe(1);
	});

	it("refresh() and save() in this process take effect at once", async () => {
		const { manager, signIn } = setup();
		await signIn();
		expect(await manager.getAccessToken("conn")).toBe("at-0");
		await manager.refresh("conn");
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		await manager.save("conn", new OAuth2Tokens({ access_token: "at-new-sign-in", refresh_token: "rt-x", expires_in: 3600 }));
		expect(await manager.getAccessToken("conn")).toBe("at-new-sign-in");
	});

	it("delete() in this process takes effect at once; another process's is seen within cacheMs", async () => {
		const shared = new MemoryTokenStore();
		const mine = setup({}, shared);
		const theirs = setup({}, shared);
		await mine.signIn();
		expect(await theirs.manager.getAccessToken("conn")).toBe("at-0");
		await mine.manager.delete("conn");
		expect(await rejection(mine.manager.getAccessToken("conn"))).toBeInstanceOf(TokenNotFoundError);
		// The other process still serves its cached token, for at most cacheMs.
		expect(await theirs.manager.getAccessToken("conn")).toBe("at-0");
		theirs.clock.now += 600_000;
		expect(await rejection(theirs.manager.getAccessToken("conn"))).toBeInstanceOf(TokenNotFoundError);
	});

	it("a refusal (invalid_grant) in this process stops serving at once", async () => {
		const { manager, endpoint, signIn } = setup();
		await signIn();
		await manager.getAccessToken("conn");
		endpoint.current = "rt-someone-else"; // the grant moved on without us: our refresh token is dead
		await rejection(manager.refresh("conn"));
		expect(await rejection(manager.getAccessToken("conn"))).toMatchObject({ code: "invalid_grant" });
	});

	it("holds at most cacheSize connections", async () => {
		const { manager, counts } = setup({ cacheSize: 2 });
		for (const key of ["a", "b", "c"]) {
			await manager.save(key, new OAuth2Tokens({ access_token: `at-${key}`, refresh_token: "rt", expires_in: 3600 }));
		}
		await manager.getAccessToken("b");
		await manager.getAccessToken("c");
		expect(counts.get).toBe(0);
		await manager.getAccessToken("a"); // dropped when c came in
		expect(counts.get).toBe(1);
	});

	it("refuses a bad cacheMs or cacheSize", () => {
		const atlassian = new Atlassian("id", "secret", "https://app.example/cb");
		for (const options of [{ cacheMs: -1 }, { cacheMs: Number.NaN }, { cacheSize: 0 }, { cacheSize: 1.5 }]) {
			expect(() => new TokenManager(atlassian, { store: new MemoryTokenStore(), ...options })).toThrow(TypeError);
		}
	});
});

describe("AccessTokenCache", () => {
	const set = (version: number, fields: Partial<StoredTokenSet> = {}): StoredTokenSet => ({
		accessToken: `at-${version}`,
		refreshToken: `rt-${version}`,
		expiresAt: 2_000_000_000_000,
		scopes: [],
		version,
		...fields,
	});

	it("ignores a read that arrives after this process learned of a newer version", () => {
		const cache = new AccessTokenCache(10_000, 10);
		cache.remember("k", set(3), 0);
		cache.remember("k", set(2), 1); // a slow read, started before version 3 was written
		expect(cache.get("k", 2)?.version).toBe(3);
		cache.supersede("k", 5); // a write lost: the record is at 5 or later
		cache.remember("k", set(4), 3);
		expect(cache.get("k", 4)).toBeUndefined();
		cache.remember("k", set(5), 5);
		expect(cache.get("k", 6)?.version).toBe(5);
	});

	it("never serves a set marked for re-authorization or with a refresh in flight, nor past its TTL", () => {
		const cache = new AccessTokenCache(100, 10);
		cache.remember("a", set(1, { reauthorizationRequired: true }), 0);
		cache.remember("b", set(1, { refreshSentAt: 1 }), 0);
		cache.remember("c", set(1), 0);
		expect(cache.get("a", 1)).toBeUndefined();
		expect(cache.get("b", 1)).toBeUndefined();
		expect(cache.get("c", 99)).toBeDefined();
		expect(cache.get("c", 100)).toBeUndefined();
	});

	it("after a delete, serves nothing until a new sign-in replaces it", () => {
		const cache = new AccessTokenCache(10_000, 10);
		cache.remember("k", set(2), 0);
		cache.supersede("k", Number.POSITIVE_INFINITY);
		cache.remember("k", set(2), 1);
		expect(cache.get("k", 2)).toBeUndefined();
		cache.remember("k", set(4), 3, true);
		expect(cache.get("k", 4)?.version).toBe(4);
	});
});
