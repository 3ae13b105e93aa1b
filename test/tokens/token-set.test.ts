import { describe, expect, it } from "vitest";

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
