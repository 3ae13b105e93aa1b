import { describe, expect, it } from "vitest";
import { retryAfterSeconds } from "../../src/atlassian/api-error.js";
import { AtlassianAPIError, AtlassianScopeError } from "../../src/index.js";

describe("Retry-After", () => {
	const now = Date.parse("2026-11-25T10:00:00Z");

	it.each([
		["delay-seconds", "120", 120],
		["zero", "0", 0],
		["an HTTP date in the future", "Wed, 25 Nov 2026 10:00:30 GMT", 30],
		["an HTTP date in the past", "Wed, 25 Nov 2026 09:00:00 GMT", 0],
		["garbage", "soon", null],
		["a negative number", "-5", null],
		["a fraction", "1.5", null],
		["nothing", "", null],
	])("reads %s", (_, value, seconds) => {
		expect(retryAfterSeconds(new Headers(value === "" ? {} : { "Retry-After": value }), now)).toBe(seconds);
	});
});

describe("AtlassianAPIError", () => {
	it("exposes the rate-limit headers as numbers and strings, and ignores unreadable ones", () => {
		const error = new AtlassianAPIError(
			429,
			null,
			new Headers({ "X-RateLimit-Limit": "lots", "X-RateLimit-Remaining": "3", "RateLimit-Reason": "jira-quota-tenant-based" }),
		);
		expect(error.rateLimit).toEqual({ limit: null, remaining: 3, reset: null, reason: "jira-quota-tenant-based" });
		expect(error.retryAfterSeconds).toBeNull();
		expect(error.message).toMatch(/rate limited; retry later, with backoff/);
	});

	it("is constructible without headers, as before", () => {
		expect(new AtlassianAPIError(404, { errorMessages: [] })).toMatchObject({ status: 404, retryAfterSeconds: null });
	});

	it("AtlassianScopeError is an AtlassianAPIError with status 401 that says not to refresh", () => {
		const error = new AtlassianScopeError({ code: 401, message: "Unauthorized; scope does not match" });
		expect(error).toBeInstanceOf(AtlassianAPIError);
		expect(error.status).toBe(401);
		expect(error.message).toMatch(/refreshing will not help/);
		expect(error.message).not.toMatch(/refresh it/);
	});
});
