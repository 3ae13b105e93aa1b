import { describe, expect, it } from "vitest";
import {
	methodClass,
	nearLimitPace,
	pausedScope,
	pauseEnd,
	rateLimitedCall,
	rateLimitReason,
	writtenIssue,
} from "../../src/atlassian/rate-limit-scopes.js";

const SITE = "1324a887-45db-1bf4-1e99-ef0ff456d421";
const url = (path: string) => new URL(`https://api.atlassian.com/ex/jira/${SITE}${path}`);

describe("the scopes of a gateway call", () => {
	it("the app, the site, the site's method class, and the issue a write goes to", () => {
		expect(rateLimitedCall(url("/rest/api/3/issue/ENG-1"), "GET")).toEqual({
			scopes: ["app:jira", `site:jira:${SITE}`, `burst:jira:${SITE}:read`],
			app: "app:jira",
			site: `site:jira:${SITE}`,
			burst: `burst:jira:${SITE}:read`,
		});
		const edit = rateLimitedCall(url("/rest/api/3/issue/ENG-1/transitions"), "POST");
		expect(edit?.issue).toBe(`issue:${SITE}:ENG-1`);
		expect(rateLimitedCall(url("/rest/api/3/issue/ENG-1"), "put")?.burst).toBe(`burst:jira:${SITE}:write`);
		expect(rateLimitedCall(url("/rest/api/3/issue"), "POST")?.issue).toBeUndefined(); // creating is no write to one issue
		expect(rateLimitedCall(new URL(`https://api.atlassian.com/ex/confluence/${SITE}/wiki/api/v2/pages`), "GET")?.site).toBe(
			`site:confluence:${SITE}`,
		);
		expect(rateLimitedCall(new URL("https://api.atlassian.com/me"), "GET")).toBeNull();
	});

	it("method classes and issue writes, as Atlassian's limits count them", () => {
		expect(["GET", "POST", "HEAD"].map(methodClass)).toEqual(["read", "read", "read"]);
		expect(["PUT", "PATCH", "DELETE"].map(methodClass)).toEqual(["write", "write", "write"]);
		expect(writtenIssue("DELETE", "/rest/api/2/issue/10001")).toBe("10001");
		expect(writtenIssue("GET", "/rest/api/3/issue/ENG-1")).toBeUndefined();
		expect(writtenIssue("POST", "/rest/api/3/issue/bulk")).toBeUndefined();
	});
});

describe("reading Atlassian's answer", () => {
	const call = rateLimitedCall(url("/rest/api/3/issue/ENG-1"), "PUT");
	if (call === null) throw new Error("unreachable");

	it("each RateLimit-Reason pauses its own scope; an unknown or missing one, the site", () => {
		expect(pausedScope(call, "jira-per-issue-on-write")).toBe(call.issue);
		expect(pausedScope(call, "jira-burst-based")).toBe(call.burst);
		expect(pausedScope(call, "jira-quota-global-based")).toBe(call.app);
		expect(pausedScope(call, "jira-quota-tenant-based")).toBe(call.site);
		expect(pausedScope(call, "something-new")).toBe(call.site);
		expect(pausedScope(call, null)).toBe(call.site);
		expect(rateLimitReason(new Headers({ "X-Beta-RateLimit-Reason": "jira-quota-tenant-based" }))).toBe("jira-quota-tenant-based");
	});

	it("the pause's end: Retry-After, else Beta-Retry-After, else X-RateLimit-Reset; none without them", () => {
		const now = Date.UTC(2026, 2, 26, 16, 25, 0);
		expect(pauseEnd(new Headers({ "Retry-After": "30", "Beta-Retry-After": "99" }), now)).toBe(now + 30_000);
		expect(pauseEnd(new Headers({ "Beta-Retry-After": "12" }), now)).toBe(now + 12_000);
		expect(pauseEnd(new Headers({ "X-RateLimit-Reset": "2026-03-26T17:00Z" }), now)).toBe(Date.UTC(2026, 2, 26, 17, 0, 0));
		expect(pauseEnd(new Headers({ "X-RateLimit-Reset": "2026-03-26T16:00Z" }), now)).toBeNull(); // already past
		expect(pauseEnd(new Headers(), now)).toBeNull();
	});

	it("a near limit paces the quota's scope until its reset, so what is left lasts", () => {
		const now = Date.UTC(2026, 2, 26, 16, 0, 0);
		const near = new Headers({
			"X-RateLimit-NearLimit": "true",
			"X-RateLimit-Remaining": "600",
			"X-RateLimit-Reset": "2026-03-26T17:00Z",
			"Beta-RateLimit-Policy": '"tenant-app-quota";q=65000;w=3600',
		});
		expect(nearLimitPace(call, near, now)).toEqual({ scope: call.site, until: now + 3_600_000, intervalMs: 6_000 });
		near.set("Beta-RateLimit-Policy", '"global-app-quota";q=65000;w=3600');
		expect(nearLimitPace(call, near, now)?.scope).toBe(call.app);
		expect(nearLimitPace(call, new Headers({ "X-RateLimit-Remaining": "1" }), now)).toBeNull();
		// Beta-RateLimit's r and t are finer than the reset's minute, and win.
		near.set("Beta-RateLimit", '"global-app-quota";r=10;t=20');
		expect(nearLimitPace(call, near, now)).toEqual({ scope: call.app, until: now + 20_000, intervalMs: 2_000 });
	});
});
