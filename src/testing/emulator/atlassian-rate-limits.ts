import { methodClass, writtenIssue } from "../../atlassian/rate-limit-scopes.js";
import type { EmulatorClock } from "./clock.js";
import { json } from "./json-response.js";

/**
 * Atlassian's three rate limits on 3LO apps (enforced since 2 March 2026), each scaled down by its option so a
 * test can make it bind. Every option is off unless given.
 * - Points-based hourly quotas: one for the whole app across its sites, one per site. A request costs 1 point,
 *   plus 1 per object a read returns (an issue; each issue of a search page); a write (PUT, PATCH, DELETE) costs 1.
 * - Burst: requests per second, per site and per method class (GET and POST; PUT, PATCH and DELETE).
 * - Per-issue writes: writes to one issue per window, each window checked.
 */
export interface EmulatedAtlassianLimits {
	/** Points per hour for the whole app, every site together: Atlassian's global app quota (65 000). */
	appPointsPerHour?: number;
	/** Points per hour per site: Atlassian's tenant quota tiers (up to 500 000). */
	sitePointsPerHour?: number;
	/** Requests per second per site: `read` for GET and POST (Atlassian: about 100), `write` for PUT, PATCH and DELETE (about 50). */
	burstPerSecond?: { read?: number; write?: number };
	/** Writes to one issue: at most `limit` per `windowSeconds`, for each window given (Atlassian: 20 per 2 s and 100 per 30 s). */
	perIssueWrites?: { limit: number; windowSeconds: number }[];
	/** How long the quotas' hour is, in seconds of the emulator's clock, so a test can see one end. Default 3600. */
	hourSeconds?: number;
}

/** Atlassian's `RateLimit-Reason` values. The global quota's is unverified: Atlassian documents the tenant one. */
export const RATE_LIMIT_REASONS = {
	appQuota: "jira-quota-global-based",
	siteQuota: "jira-quota-tenant-based",
	burst: "jira-burst-based",
	perIssueWrite: "jira-per-issue-on-write",
} as const;

/** Less than this share of a quota left sets `X-RateLimit-NearLimit: true`. */
const NEAR_LIMIT_SHARE = 0.2;

/** What one gateway request was admitted with: its headers, and how to charge it once its answer is known. */
export interface AdmittedRequest {
	headers: Record<string, string>;
	charge(response: Response): Promise<void>;
}

/** The emulated limits: fixed windows on the emulator's clock; a refused request costs nothing. */
export class AtlassianRateLimits {
	readonly #clock: EmulatorClock;
	#limits: EmulatedAtlassianLimits | null;
	/** Points spent per quota ("app", or a site's cloud id) in the current hour. */
	#points = new Map<string, { hour: number; spent: number }>();
	/** Requests per burst window ("{cloudId} {class}") and per issue window ("{cloudId} {issue} {windowSeconds}"). */
	#counts = new Map<string, { window: number; count: number }>();

	constructor(clock: EmulatorClock, limits: EmulatedAtlassianLimits | null) {
		this.#clock = clock;
		this.#limits = limits;
	}

	/** Sets (or with `null` lifts) the limits, starting every window afresh. */
	public set(limits: EmulatedAtlassianLimits | null): void {
		this.#limits = limits;
		this.#points.clear();
		this.#counts.clear();
	}

	/** Admits one gateway request to a site, or answers it 429 with Atlassian's headers. */
	public admit(method: string, cloudId: string, path: string): AdmittedRequest | Response {
		const limits = this.#limits;
		if (limits === null) return { headers: {}, charge: async () => {} };
		const now = this.#clock.now();
		// The same rules as the library's budget: one definition of a method class and of a write to one issue.
		const kind = methodClass(method);
		const isWrite = kind === "write";
		const burst = limits.burstPerSecond?.[kind];
		if (burst !== undefined) {
			const refused = this.#count(`${cloudId} ${kind}`, burst, 1, now, RATE_LIMIT_REASONS.burst);
			if (refused) return refused;
		}
		const issue = writtenIssue(method, path);
		if (issue !== undefined) {
			for (const { limit, windowSeconds } of limits.perIssueWrites ?? []) {
				const refused = this.#count(`${cloudId} ${issue} ${windowSeconds}`, limit, windowSeconds, now, RATE_LIMIT_REASONS.perIssueWrite);
				if (refused) return refused;
			}
		}
		const hourMs = (limits.hourSeconds ?? 3600) * 1000;
		const hour = Math.floor(now / hourMs);
		const resetAt = (hour + 1) * hourMs;
		const quotas: { key: string; limit: number; policy: string; reason: string }[] = [];
		if (limits.appPointsPerHour !== undefined) {
			quotas.push({ key: "app", limit: limits.appPointsPerHour, policy: "global-app-quota", reason: RATE_LIMIT_REASONS.appQuota });
		}
		if (limits.sitePointsPerHour !== undefined) {
			quotas.push({ key: cloudId, limit: limits.sitePointsPerHour, policy: "tenant-app-quota", reason: RATE_LIMIT_REASONS.siteQuota });
		}
		// The quota nearest its end speaks for the answer, as Atlassian sends one set of quota headers.
		const tightest = quotas
			.map((quota) => ({ ...quota, left: quota.limit - this.#spent(quota.key, hour) }))
			.sort((a, b) => a.left / a.limit - b.left / b.limit)[0];
		if (tightest === undefined) return { headers: {}, charge: async () => {} };
		const secondsLeft = Math.max(1, Math.ceil((resetAt - now) / 1000));
		const headers: Record<string, string> = {
			"X-RateLimit-Limit": String(tightest.limit),
			"X-RateLimit-Remaining": String(Math.max(0, tightest.left)),
			// Atlassian's format: ISO 8601 to the minute.
			"X-RateLimit-Reset": `${new Date(resetAt).toISOString().slice(0, 16)}Z`,
			"Beta-RateLimit-Policy": `"${tightest.policy}";q=${tightest.limit};w=${Math.round(hourMs / 1000)}`,
			"Beta-RateLimit": `"${tightest.policy}";r=${Math.max(0, tightest.left)};t=${secondsLeft}`,
		};
		if (tightest.left < tightest.limit * NEAR_LIMIT_SHARE) headers["X-RateLimit-NearLimit"] = "true";
		if (tightest.left <= 0) {
			return json({ code: 429, message: "Rate limit exceeded" }, 429, {
				...headers,
				"Retry-After": String(secondsLeft),
				"Beta-Retry-After": String(secondsLeft),
				"RateLimit-Reason": tightest.reason,
			});
		}
		return {
			headers,
			charge: async (response) => {
				// Writes cost the base point only; a read (a POST search too) costs 1 more per object it returned.
				const cost = isWrite ? 1 : 1 + (await objectsReturned(response));
				for (const quota of quotas) this.#spend(quota.key, hour, cost);
			},
		};
	}

	/** Counts a request in its fixed window of `windowSeconds`; the 429 when the window's `limit` is spent. */
	#count(key: string, limit: number, windowSeconds: number, now: number, reason: string): Response | undefined {
		const windowMs = windowSeconds * 1000;
		const window = Math.floor(now / windowMs);
		const entry = this.#counts.get(key);
		const count = entry?.window === window ? entry.count : 0;
		if (count >= limit) {
			const retryAfter = String(Math.max(1, Math.ceil(((window + 1) * windowMs - now) / 1000)));
			return json({ code: 429, message: "Rate limit exceeded" }, 429, {
				"Retry-After": retryAfter,
				"Beta-Retry-After": retryAfter,
				"RateLimit-Reason": reason,
			});
		}
		this.#counts.set(key, { window, count: count + 1 });
		return undefined;
	}

	#spent(key: string, hour: number): number {
		const entry = this.#points.get(key);
		return entry?.hour === hour ? entry.spent : 0;
	}

	#spend(key: string, hour: number, cost: number): void {
		this.#points.set(key, { hour, spent: this.#spent(key, hour) + cost });
	}
}

/** The objects a read returned, by the shapes Jira answers with: a search page's issues, or one issue. */
async function objectsReturned(response: Response): Promise<number> {
	if (!response.ok || !(response.headers.get("content-type") ?? "").includes("json")) return 0;
	const body = (await response
		.clone()
		.json()
		.catch(() => null)) as { issues?: unknown; key?: unknown; fields?: unknown } | null;
	if (Array.isArray(body?.issues)) return body.issues.length;
	return typeof body?.key === "string" && typeof body.fields === "object" ? 1 : 0;
}
