import { afterEach, describe, expect, it, vi } from "vitest";
import { OAuth2Tokens } from "../../src/index.js";
import { accessTokenExpiry } from "../../src/oauth2/tokens.js";

describe("OAuth2Tokens", () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	const data = {
		token_type: "Bearer",
		access_token: "access-1",
		expires_in: 3600,
		refresh_token: "refresh-1",
		scope: "read:me offline_access",
		id_token: "id-1",
	};

	it("exposes Arctic's accessors", () => {
		const tokens = new OAuth2Tokens(data);
		expect(tokens.data).toBe(data);
		expect(tokens.tokenType()).toBe("Bearer");
		expect(tokens.accessToken()).toBe("access-1");
		expect(tokens.accessTokenExpiresInSeconds()).toBe(3600);
		expect(tokens.hasRefreshToken()).toBe(true);
		expect(tokens.refreshToken()).toBe("refresh-1");
		expect(tokens.hasScopes()).toBe(true);
		expect(tokens.scopes()).toEqual(["read:me", "offline_access"]);
		expect(tokens.idToken()).toBe("id-1");
	});

	it("fixes accessTokenExpiresAt at the moment the response arrived", () => {
		vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") });
		const tokens = new OAuth2Tokens(data);
		vi.setSystemTime(new Date("2026-01-01T00:30:00Z"));
		expect(tokens.accessTokenExpiresAt().toISOString()).toBe("2026-01-01T01:00:00.000Z");
		expect(new OAuth2Tokens(data, Date.parse("2026-02-01T00:00:00Z")).accessTokenExpiresAt().toISOString()).toBe(
			"2026-02-01T01:00:00.000Z",
		);
	});

	it("validates lazily: missing fields throw only when asked for", () => {
		const tokens = new OAuth2Tokens({ access_token: "a", expires_in: "3600", scope: 7 });
		expect(tokens.accessToken()).toBe("a");
		expect(() => tokens.tokenType()).toThrow("Missing or invalid 'token_type' field");
		expect(() => tokens.accessTokenExpiresInSeconds()).toThrow("Missing or invalid 'expires_in' field");
		expect(() => tokens.accessTokenExpiresAt()).toThrow("Missing or invalid 'expires_in' field");
		expect(tokens.hasRefreshToken()).toBe(false);
		expect(() => tokens.refreshToken()).toThrow("Missing or invalid 'refresh_token' field");
		expect(tokens.hasScopes()).toBe(false);
		expect(() => tokens.scopes()).toThrow("Missing or invalid 'scope' field");
		expect(() => tokens.idToken()).toThrow("Missing or invalid 'id_token' field");
	});

	it("rejects negative or non-finite expires_in", () => {
		expect(() => new OAuth2Tokens({ access_token: "a", expires_in: -1 }).accessTokenExpiresInSeconds()).toThrow();
		expect(() => new OAuth2Tokens({ access_token: "a", expires_in: Number.POSITIVE_INFINITY }).accessTokenExpiresInSeconds()).toThrow();
	});

	it("ignores repeated spaces in scope", () => {
		expect(new OAuth2Tokens({ scope: " read:me  write:jira-work " }).scopes()).toEqual(["read:me", "write:jira-work"]);
	});
});

describe("accessTokenExpiry", () => {
	it("is the issue time plus expires_in, in whole ms", () => {
		expect(accessTokenExpiry(1_000, 3600)).toBe(3_601_000);
		expect(accessTokenExpiry(1_000, 0.0015)).toBe(1_001);
	});

	it("counts at most maxSeconds of lifetime", () => {
		expect(accessTokenExpiry(0, 10 * 24 * 3600, 24 * 3600)).toBe(24 * 3600 * 1000);
		expect(accessTokenExpiry(0, 3600, 24 * 3600)).toBe(3600 * 1000);
	});
});
