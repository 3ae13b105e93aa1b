import { describe, expect, it } from "vitest";
import {
	ArcticFetchError,
	isConsentDeclined,
	isReauthorizationRequired,
	OAuth2RequestError,
	UnexpectedResponseError,
} from "../../src/index.js";
import { classifyRefreshFailure } from "../../src/oauth2/reauthorization.js";

const failures: [string, unknown, "reauthorization_required" | "refused" | "unknown"][] = [
	[
		"403 invalid_grant (dead refresh token)",
		new OAuth2RequestError("invalid_grant", "Unknown or invalid refresh token.", null, null, 403),
		"reauthorization_required",
	],
	["400 invalid_grant (bad code)", new OAuth2RequestError("invalid_grant", null, null, null, 400), "reauthorization_required"],
	[
		"invalid_grant reported without a response",
		new OAuth2RequestError("invalid_grant", null, null, null, null),
		"reauthorization_required",
	],
	["declined consent", new OAuth2RequestError("access_denied", null, null, "s", null), "reauthorization_required"],
	["wrong client secret (401 access_denied)", new OAuth2RequestError("access_denied", "Unauthorized", null, null, 401), "refused"],
	["401 unauthorized_client", new OAuth2RequestError("unauthorized_client", null, null, null, 401), "refused"],
	["5xx invalid_grant", new OAuth2RequestError("invalid_grant", null, null, null, 503), "unknown"],
	["5xx server_error", new OAuth2RequestError("server_error", null, null, null, 503), "unknown"],
	["network fault", new ArcticFetchError(new TypeError("fetch failed")), "unknown"],
	["HTML 502", new UnexpectedResponseError(502), "unknown"],
	["HTML 400", new UnexpectedResponseError(400), "unknown"],
	["a plain Error", new Error("invalid_grant"), "unknown"],
	["not an error", "invalid_grant", "unknown"],
];

describe("classifyRefreshFailure", () => {
	it.each(failures)("%s → %s", (_, error, expected) => {
		expect(classifyRefreshFailure(error)).toBe(expected);
	});
});

describe("isReauthorizationRequired", () => {
	it.each(failures)("%s", (_, error, expected) => {
		expect(isReauthorizationRequired(error)).toBe(expected === "reauthorization_required");
	});
});

describe("isConsentDeclined", () => {
	it("is true only for the callback's access_denied", () => {
		expect(isConsentDeclined(new OAuth2RequestError("access_denied", null, null, "s", null))).toBe(true);
		expect(isConsentDeclined(new OAuth2RequestError("invalid_grant", null, null, null, 403))).toBe(false);
		expect(isConsentDeclined(new OAuth2RequestError("access_denied", "Unauthorized", null, null, 401))).toBe(false);
		expect(isConsentDeclined(new Error("access_denied"))).toBe(false);
	});
});
