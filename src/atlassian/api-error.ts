import { brandError } from "../internal/error-brand.js";

/**
 * What Atlassian's rate limiter said, from the headers of any gateway response (sent on every answer, not
 * only on 429). A field is `null` when its header was absent or unreadable.
 */
export interface AtlassianRateLimit {
	/** `X-RateLimit-Limit`: requests allowed in the current window. */
	limit: number | null;
	/** `X-RateLimit-Remaining`: requests left in it. */
	remaining: number | null;
	/** `X-RateLimit-Reset`: when the limit resets, as Atlassian sends it (ISO 8601, `yyyy-MM-ddTHH:mmZ`). */
	reset: string | null;
	/** `RateLimit-Reason`: which limit was hit, e.g. `jira-burst-based`, `jira-per-issue-on-write` or a quota. */
	reason: string | null;
}

const ADVICE: Record<number, string> = {
	401: "the access token is expired or invalid; refresh it and retry once",
	403: "the user or the app lacks permission for this resource",
};

/**
 * An Atlassian API (resource server) refused a request: `/me`, `/oauth/token/accessible-resources`
 * or a product API behind the gateway. Distinct from token-endpoint errors (`OAuth2RequestError`).
 */
export class AtlassianAPIError extends Error {
	/**
	 * 401: the access token is expired or invalid — refresh it and retry once (a 401 for a missing scope is an
	 * `AtlassianScopeError` instead). 403: the user lacks permission. 429: rate limited (see `retryAfterSeconds`).
	 */
	public status: number;
	/** The parsed JSON error body, or `null` when it was empty or not JSON. The access token is redacted. */
	public data: unknown;
	/** `Retry-After` in seconds (a date is turned into seconds from now), or `null` without one. Sent with 429 and some 503s. */
	public retryAfterSeconds: number | null;
	public rateLimit: AtlassianRateLimit;

	constructor(status: number, data: unknown, headers = new Headers()) {
		const seconds = retryAfterSeconds(headers);
		const advice =
			status === 429 ? `rate limited; retry ${seconds === null ? "later, with backoff" : `after ${seconds} s`}` : ADVICE[status];
		super(`Atlassian API error (HTTP ${status})${advice ? `: ${advice}` : ""}`);
		this.name = "AtlassianAPIError";
		this.status = status;
		this.data = data;
		this.retryAfterSeconds = seconds;
		const count = (name: string) => {
			const value = headers.get(name);
			return value && /^\d+$/.test(value) ? Number(value) : null;
		};
		this.rateLimit = {
			limit: count("x-ratelimit-limit"),
			remaining: count("x-ratelimit-remaining"),
			reset: headers.get("x-ratelimit-reset"),
			reason: headers.get("ratelimit-reason"),
		};
	}
}
brandError(AtlassianAPIError, "AtlassianAPIError");

/**
 * The gateway's 401 for a token that lacks the scope the endpoint needs (`X-Failure-Category:
 * FAILURE_CLIENT_SCOPE_CHECK`, "Unauthorized; scope does not match"). Refreshing does not help: add the
 * scope to the app in the developer console, request it in the authorization URL, and have the user
 * consent again. Confluence's v2 API takes granular scopes only (`read:page:confluence`, …).
 */
export class AtlassianScopeError extends AtlassianAPIError {
	constructor(data: unknown, headers?: Headers) {
		super(401, data, headers);
		this.name = "AtlassianScopeError";
		this.message =
			"Atlassian API error (HTTP 401): the access token lacks a scope this API needs, and refreshing will not help: add the scope to the app, request it and have the user consent again";
	}
}
brandError(AtlassianScopeError, "AtlassianScopeError");

/** The error for a gateway response of status 4xx/5xx: an `AtlassianScopeError` for the scope-mismatch 401. */
export function atlassianAPIError(status: number, data: unknown, headers: Headers): AtlassianAPIError {
	return isScopeMismatch(status, headers, data) ? new AtlassianScopeError(data, headers) : new AtlassianAPIError(status, data, headers);
}

/**
 * True for the gateway's scope-mismatch 401: its `X-Failure-Category: FAILURE_CLIENT_SCOPE_CHECK` header, or
 * (were the header stripped by a proxy) its message. Such a 401 is never a reason to refresh.
 */
export function isScopeMismatch(status: number, headers: Headers, data: unknown): boolean {
	return (
		status === 401 &&
		(headers.get("x-failure-category") === "FAILURE_CLIENT_SCOPE_CHECK" ||
			String((data as { message?: unknown } | null)?.message).includes("scope does not match"))
	);
}

/** `Retry-After` (RFC 9110 §10.2.3) in seconds: delay-seconds, or an HTTP date turned into seconds from now (never negative). */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | null {
	const value = headers.get("retry-after")?.trim() ?? "";
	if (/^\d+$/.test(value)) {
		return Number(value);
	}
	// An HTTP date names its day and month ("Wed, 25 Nov 2026 10:00:30 GMT"); Date.parse alone would take "-5" for a year.
	const date = /[a-z]/i.test(value) ? Date.parse(value) : Number.NaN;
	return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}
