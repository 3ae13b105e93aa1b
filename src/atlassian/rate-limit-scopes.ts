import { retryAfterSeconds } from "./api-error.js";

// Which part of Atlassian's API a limit holds back, read from the call and from Atlassian's answer. Atlassian
// applies three limits at once, each with its own scope ("Build an app that respects rate limits"): hourly
// points quotas (the app, across its sites; or one site), a burst limit per second (one site, one method
// class), and per-issue writes (one issue). `RateLimit-Reason` says which one a 429 is.

/** The scopes a gateway call falls in, each the key of a pause or a limit every worker shares. */
export interface RateLimitedCall {
	/** Every scope of the call, widest first: the app, the site, the site's method class, and the issue it writes. */
	scopes: string[];
	app: string;
	site: string;
	burst: string;
	/** Set for a write to one Jira issue: an edit, a transition, a delete, a comment. */
	issue?: string;
}

const WRITE_METHODS = new Set(["PUT", "PATCH", "DELETE"]);
const ISSUE_PATH = /^\/rest\/api\/[23]\/issue\/([^/?#]+)/;

/** Atlassian's burst limits count GET and POST together, and PUT, PATCH and DELETE together. */
export function methodClass(method: string): "read" | "write" {
	return WRITE_METHODS.has(method.toUpperCase()) ? "write" : "read";
}

/** The issue a call writes to (an edit, a transition, a delete, a comment under it); creating issues writes to none. */
export function writtenIssue(method: string, path: string): string | undefined {
	const upper = method.toUpperCase();
	if (!WRITE_METHODS.has(upper) && upper !== "POST") return undefined;
	const issue = ISSUE_PATH.exec(path)?.[1];
	return issue === "bulk" ? undefined : issue;
}

/** The scopes of a call to `url`, a gateway URL (`…/ex/{product}/{cloudId}/…`); `null` for a URL off that shape. */
export function rateLimitedCall(url: URL, method: string): RateLimitedCall | null {
	const match = /\/ex\/([^/]+)\/([^/]+)(\/.*)?$/.exec(url.pathname);
	if (match === null) return null;
	const [, product, cloudId, path = "/"] = match;
	const app = `app:${product}`;
	const site = `site:${product}:${cloudId}`;
	const burst = `burst:${product}:${cloudId}:${methodClass(method)}`;
	const issueKey = product === "jira" ? writtenIssue(method, path) : undefined;
	const issue = issueKey === undefined ? undefined : `issue:${cloudId}:${issueKey}`;
	return { scopes: issue === undefined ? [app, site, burst] : [app, site, burst, issue], app, site, burst, issue };
}

/** The reason Atlassian gave for a 429 (or a near limit), under either of the names it uses. */
export function rateLimitReason(headers: Headers): string | null {
	return headers.get("ratelimit-reason") ?? headers.get("x-beta-ratelimit-reason");
}

/** The scope a 429's pause holds back, by its `RateLimit-Reason`; the site when the reason is absent or new. */
export function pausedScope(call: RateLimitedCall, reason: string | null): string {
	if (reason?.includes("per-issue") && call.issue !== undefined) return call.issue;
	if (reason?.includes("burst")) return call.burst;
	if (reason?.includes("global")) return call.app;
	return call.site;
}

/** When a 429 (or a 503 with `Retry-After`) says to come back, epoch ms: `Retry-After`, `Beta-Retry-After`, or `X-RateLimit-Reset`. */
export function pauseEnd(headers: Headers, now: number): number | null {
	const seconds = retryAfterSeconds(headers, now) ?? wholeSeconds(headers.get("beta-retry-after"));
	if (seconds !== null) return now + seconds * 1000;
	const reset = resetTime(headers);
	return reset !== null && reset > now ? reset : null;
}

/**
 * A near limit (`X-RateLimit-NearLimit: true`, under 20 % left): the quota's scope (by `Beta-RateLimit-Policy`),
 * until its reset, with calls spaced so that what is left lasts until then. `null` when the answer is not near one.
 */
export function nearLimitPace(
	call: RateLimitedCall,
	headers: Headers,
	now: number,
): { scope: string; until: number; intervalMs: number } | null {
	const near = headers.get("x-ratelimit-nearlimit") ?? headers.get("x-beta-ratelimit-nearlimit");
	if (near?.toLowerCase() !== "true") return null;
	const beta = betaRateLimit(headers, now);
	const until = beta?.until ?? resetTime(headers);
	if (until === null || until <= now) return null;
	const remaining = beta?.remaining ?? wholeSeconds(headers.get("x-ratelimit-remaining")) ?? 1;
	const scope = (headers.get("beta-ratelimit-policy") ?? "").includes("global") ? call.app : call.site;
	return { scope, until, intervalMs: Math.ceil((until - now) / Math.max(1, remaining)) };
}

/**
 * `Beta-RateLimit: "tenant-app-quota";r=17842;t=2107`: what is left (`r`) and the seconds to the reset (`t`), which
 * is finer than `X-RateLimit-Reset` (to the minute). `null` without it.
 */
function betaRateLimit(headers: Headers, now: number): { remaining: number; until: number } | null {
	const value = headers.get("beta-ratelimit");
	const remaining = /;\s*r=(\d+)/.exec(value ?? "")?.[1];
	const seconds = /;\s*t=(\d+)/.exec(value ?? "")?.[1];
	return remaining === undefined || seconds === undefined ? null : { remaining: Number(remaining), until: now + Number(seconds) * 1000 };
}

/** `X-RateLimit-Reset`: Atlassian sends an ISO 8601 time (to the minute); epoch ms, or `null`. */
function resetTime(headers: Headers): number | null {
	const value = headers.get("x-ratelimit-reset");
	if (value === null) return null;
	const at = Date.parse(value);
	return Number.isFinite(at) ? at : null;
}

function wholeSeconds(value: string | null): number | null {
	return value !== null && /^\d+$/.test(value.trim()) ? Number(value.trim()) : null;
}
