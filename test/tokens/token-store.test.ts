import { describe, expect, it } from "vitest";
import { CorruptTokenRecordError } from "../../src/index.js";
import { connectionStatus, isStoredTokenSet, mayKeepAlive, parseStoredRecord, type StoredTokenSet } from "../../src/tokens/token-store.js";

const valid = { accessToken: "at", refreshToken: "rt", expiresAt: 1, scopes: ["read:me"], version: 3 };

describe("isStoredTokenSet", () => {
	it("accepts a token set, with or without its optional times", () => {
		expect(isStoredTokenSet(valid)).toBe(true);
		expect(isStoredTokenSet({ ...valid, refreshToken: null, consentedAt: 1, issuedAt: 2, refreshSentAt: 3, refreshDeadline: 4 })).toBe(
			true,
		);
		expect(isStoredTokenSet({ ...valid, reauthorizationRequired: true })).toBe(true);
		expect(isStoredTokenSet({ ...valid, disabledAt: 1, consecutiveFailures: 0, lastFailureAt: 2, lastErrorKind: "rate_limited" })).toBe(
			true,
		);
	});

	it.each([
		["null", null],
		["a string", "at"],
		["no access token", { ...valid, accessToken: undefined }],
		["a numeric refresh token", { ...valid, refreshToken: 1 }],
		["an infinite expiry", { ...valid, expiresAt: Number.POSITIVE_INFINITY }],
		["scopes that are not strings", { ...valid, scopes: [1] }],
		["a fractional version", { ...valid, version: 1.5 }],
		["a non-boolean mark", { ...valid, reauthorizationRequired: "yes" }],
		["a NaN time", { ...valid, refreshSentAt: Number.NaN }],
		["a negative failure count", { ...valid, consecutiveFailures: -1 }],
		["an unknown error kind", { ...valid, lastErrorKind: "gremlins" }],
		["a string disable time", { ...valid, disabledAt: "now" }],
	])("refuses %s", (_, value) => {
		expect(isStoredTokenSet(value)).toBe(false);
	});
});

describe("connectionStatus", () => {
	const set = (fields: Partial<StoredTokenSet> = {}): StoredTokenSet => ({ ...valid, ...fields });
	it("status: disabled first, then a refusal of the grant, then counted failures, else active", () => {
		expect(connectionStatus(set())).toBe("active");
		expect(connectionStatus(set({ consecutiveFailures: 2 }))).toBe("degraded");
		expect(connectionStatus(set({ consecutiveFailures: 1, reauthorizationRequired: true }))).toBe("reauthorization_required");
		expect(connectionStatus(set({ reauthorizationRequired: true, disabledAt: 9 }))).toBe("disabled");
	});
});

describe("mayKeepAlive", () => {
	it("keeps out of the keep-alive index a connection marked for re-authorization, or disabled", () => {
		expect(mayKeepAlive(valid)).toBe(true);
		expect(mayKeepAlive({ ...valid, consecutiveFailures: 3 })).toBe(true);
		expect(mayKeepAlive({ ...valid, reauthorizationRequired: true })).toBe(false);
		expect(mayKeepAlive({ ...valid, disabledAt: 1 })).toBe(false);
	});
});

describe("parseStoredRecord", () => {
	it("reads a record's JSON with its version kept apart", () => {
		const { version: _, ...json } = valid;
		expect(parseStoredRecord("k", JSON.stringify(json), "7")).toEqual({ ...valid, version: 7 });
	});

	it("is a CorruptTokenRecordError for JSON that is broken or not a token set, never a token", () => {
		expect(() => parseStoredRecord("k", "{not json", 1)).toThrow(CorruptTokenRecordError);
		expect(() => parseStoredRecord("k", '{"accessToken":5}', 1)).toThrow(CorruptTokenRecordError);
		expect(() => parseStoredRecord("k", "null", 1)).toThrow(CorruptTokenRecordError);
	});
});
