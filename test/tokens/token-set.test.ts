import { describe, expect, it } from "vitest";
import { OAuth2Tokens } from "../../src/index.js";
import { isFresh, rotatedTokenSet, signedInTokenSet, storedExpiry } from "../../src/tokens/token-set.js";
import { setup } from "../support/token-manager-setup.js";

describe("token-set rules, through TokenManager", () => {
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

	it("refreshes again once the new token enters the window, on the injected clock", async () => {
		let now = Date.now();
		const { endpoint, manager, signIn } = setup({ now: () => now });
		await signIn(3600);
		expect(await manager.getAccessToken("conn")).toBe("at-0");
		now += 3400_000;
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		expect(endpoint.requests).toBe(1);
	});
});

describe("token-set rules", () => {
	const answer = (data: object) => new OAuth2Tokens(data);

	it("storedExpiry caps expires_in at 24 h, and without a usable one is due at once", () => {
		expect(storedExpiry(answer({ expires_in: 3600 }), 1_000)).toBe(3_601_000);
		expect(storedExpiry(answer({ expires_in: 1e13 }), 0)).toBe(24 * 3600 * 1000);
		expect(storedExpiry(answer({}), 5)).toBe(5);
		expect(storedExpiry(answer({ expires_in: "3600" }), 5)).toBe(5);
	});

	it("isFresh is true only outside the refresh window", () => {
		const set = { accessToken: "a", refreshToken: "r", expiresAt: 10_000, scopes: [], version: 1 };
		expect(isFresh(set, 0, 5_000)).toBe(true);
		expect(isFresh(set, 5_000, 5_000)).toBe(false);
	});

	it("a sign-in stores its consent time; a refresh keeps the consent, the scopes and the refresh token it sent when the answer lacks them", () => {
		const signedIn = signedInTokenSet(answer({ access_token: "a0", expires_in: 60 }), 100);
		expect(signedIn).toEqual({ accessToken: "a0", refreshToken: null, expiresAt: 60_100, scopes: [], consentedAt: 100, issuedAt: 100 });
		const sent = { ...signedIn, refreshToken: "r0", scopes: ["read:me"], version: 4 };
		expect(rotatedTokenSet(answer({ access_token: "a1", expires_in: 60 }), sent, 500)).toEqual({
			accessToken: "a1",
			refreshToken: "r0",
			expiresAt: 60_500,
			scopes: ["read:me"],
			version: 5,
			consentedAt: 100,
			issuedAt: 500,
		});
		expect(rotatedTokenSet(answer({ access_token: "a1", refresh_token: "r1", scope: "a b", expires_in: 1 }), sent, 0)).toMatchObject({
			refreshToken: "r1",
			scopes: ["a", "b"],
		});
	});
});
