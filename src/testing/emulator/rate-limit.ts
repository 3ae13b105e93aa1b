import type { EmulatorClock } from "./clock.js";
import { json } from "./json-response.js";

/**
 * At most `limit` product-API requests per `windowSeconds`; past it, 429 with `Retry-After` (seconds to the
 * window's end), `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` and `RateLimit-Reason`, as
 * Atlassian answers. Every answer carries the `X-RateLimit-*` headers while a limit is set.
 */
export interface EmulatedRateLimit {
	limit: number;
	windowSeconds: number;
	/** Default `jira-burst-based`. */
	reason?: string;
}

/** The gateway's rate limit: a fixed window on the emulator's clock. */
export class GatewayRateLimiter {
	readonly #clock: EmulatorClock;
	#limit: EmulatedRateLimit | null;
	#window = { startedAt: 0, count: 0 };

	constructor(clock: EmulatorClock, limit: EmulatedRateLimit | null) {
		this.#clock = clock;
		this.#limit = limit;
	}

	/** Sets (or with `null` lifts) the limit, starting a new window. */
	public set(limit: EmulatedRateLimit | null): void {
		this.#limit = limit;
		this.#window = { startedAt: this.#clock.now(), count: 0 };
	}

	/** The rate-limit headers for an admitted request, or the 429 once the window's budget is spent. */
	public admit(): Record<string, string> | Response {
		const limit = this.#limit;
		if (limit === null) return {};
		const now = this.#clock.now();
		const windowMs = limit.windowSeconds * 1000;
		if (now - this.#window.startedAt >= windowMs) this.#window = { startedAt: now, count: 0 };
		const resetAt = this.#window.startedAt + windowMs;
		const headers = {
			"X-RateLimit-Limit": String(limit.limit),
			"X-RateLimit-Remaining": String(Math.max(0, limit.limit - this.#window.count - 1)),
			// Atlassian's format: ISO 8601 to the minute.
			"X-RateLimit-Reset": `${new Date(resetAt).toISOString().slice(0, 16)}Z`,
		};
		if (this.#window.count >= limit.limit) {
			return json({ code: 429, message: "Rate limit exceeded" }, 429, {
				...headers,
				"X-RateLimit-Remaining": "0",
				"Retry-After": String(Math.max(1, Math.ceil((resetAt - now) / 1000))),
				"RateLimit-Reason": limit.reason ?? "jira-burst-based",
			});
		}
		this.#window.count++;
		return headers;
	}
}
