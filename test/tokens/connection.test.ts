import { describe, expect, it } from "vitest";
import {
	ArcticFetchError,
	OAuth2RequestError,
	type StoredTokenSet,
	UnexpectedErrorResponseBodyError,
	UnexpectedResponseError,
} from "../../src/index.js";
import { connectionErrorKind, connectionInfo, connectionReason, withFailure } from "../../src/tokens/connection.js";

const DAY = 86_400_000;
const set = (fields: Partial<StoredTokenSet> = {}): StoredTokenSet => ({
	accessToken: "at",
	refreshToken: "rt",
	expiresAt: 5_000,
	scopes: ["read:me"],
	version: 3,
	consentedAt: 1_000,
	issuedAt: 1_000,
	...fields,
});

describe("connection health", () => {
	it("info: Atlassian's limits counted from consent (365 days) and issue (90 days), and no token", () => {
		const info = connectionInfo("user-1", set({ issuedAt: 2_000 }));
		expect(info).toEqual({
			key: "user-1",
			status: "active",
			reason: null,
			consecutiveFailures: 0,
			lastFailureAt: null,
			lastErrorKind: null,
			grantedAt: 1_000,
			refreshedAt: 2_000,
			accessTokenExpiresAt: 5_000,
			idleExpiresAt: 2_000 + 90 * DAY,
			grantExpiresAt: 1_000 + 365 * DAY,
			scopes: ["read:me"],
			version: 3,
		});
		expect(JSON.stringify(info)).not.toMatch(/"at"|"rt"/);
		expect(connectionInfo("k", set()).refreshedAt).toBeNull(); // not refreshed since the sign-in
		expect(connectionInfo("k", set({ consentedAt: undefined, issuedAt: undefined }))).toMatchObject({
			grantedAt: null,
			idleExpiresAt: null,
			grantExpiresAt: null,
		});
	});

	it("reason: refresh_failing, disabled, invalid_grant, or grant_expired when refused past 365 days", () => {
		expect(connectionInfo("k", set({ consecutiveFailures: 1 })).reason).toBe("refresh_failing");
		expect(connectionInfo("k", set({ disabledAt: 1 })).reason).toBe("disabled");
		expect(connectionInfo("k", set({ reauthorizationRequired: true, lastFailureAt: 2_000 })).reason).toBe("invalid_grant");
		expect(connectionInfo("k", set({ reauthorizationRequired: true, lastFailureAt: 1_000 + 365 * DAY })).reason).toBe("grant_expired");
	});

	it.each([
		["a network fault", new ArcticFetchError(new TypeError("fetch failed")), "network"],
		["a timeout", new ArcticFetchError(new DOMException("late", "TimeoutError")), "timeout"],
		["a 503", new OAuth2RequestError("temporarily_unavailable", null, null, null, 503), "server"],
		["an HTML 502", new UnexpectedResponseError(502), "server"],
		["a 429", new UnexpectedErrorResponseBodyError(429, {}), "rate_limited"],
		["a dead refresh token", new OAuth2RequestError("invalid_grant", null, null, null, 403), "invalid_grant"],
		["a wrong client secret", new OAuth2RequestError("access_denied", "Unauthorized", null, null, 401), "client_config"],
		["an HTML 404 from a wrong token URL", new UnexpectedResponseError(404), "client_config"],
		["a refresher's own failure", new Error("boom"), "network"],
	] as const)("error kind of %s: %s", (_, error, kind) => {
		expect(connectionErrorKind(error)).toBe(kind);
	});

	it("withFailure counts one more failure, with its time and kind, and keeps everything else", () => {
		const failed = withFailure(set({ refreshSentAt: 900, consecutiveFailures: 2 }), new UnexpectedResponseError(503), 4_000);
		expect(failed).toMatchObject({ consecutiveFailures: 3, lastFailureAt: 4_000, lastErrorKind: "server", refreshSentAt: 900, version: 3 });
	});

	it("connectionReason: none when active; the kind of trouble otherwise, grant_expired past day 365 of the consent", () => {
		const year = 365 * 86_400_000;
		expect(connectionReason(set())).toBeNull();
		expect(connectionReason(set({ consecutiveFailures: 1 }))).toBe("refresh_failing");
		expect(connectionReason(set({ disabledAt: 5 }))).toBe("disabled");
		expect(connectionReason(set({ reauthorizationRequired: true, consentedAt: 0, lastFailureAt: 10 }))).toBe("invalid_grant");
		expect(connectionReason(set({ reauthorizationRequired: true, consentedAt: 0, lastFailureAt: year }))).toBe("grant_expired");
	});
});
