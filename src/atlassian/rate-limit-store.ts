// What a `RateLimitBudget` keeps where every worker sees it: holds (pauses and paces) on scopes, the slots of
// paced and proactively limited scopes, and a count of recent 429s. Memory, Redis and Postgres each have one.

/**
 * A hold on a scope until `until` (epoch ms): a pause (nothing goes before it ends), or, with `intervalMs`, a
 * pace (calls go at least `intervalMs` apart until it ends).
 */
export interface RateLimitHold {
	scope: string;
	until: number;
	/** Atlassian's `RateLimit-Reason`, or `near-limit` for a pace. */
	reason: string;
	/** Set for a pace: the spacing between calls in the scope. */
	intervalMs?: number;
}

/** One slot to reserve: at most one call per `intervalMs` on `key`, with `toleranceMs` of burst allowed. */
export interface RateLimitSlot {
	key: string;
	intervalMs: number;
	toleranceMs: number;
	/**
	 * A pace's end (epoch ms): the slot holds no call past it, and its bookings are forgotten after it, so the next
	 * window starts afresh. Absent for a proactive limit, which never ends.
	 */
	until?: number;
}

/** Where a budget's shared state lives. Every time is epoch ms of the real clock. */
export interface RateLimitStore {
	/** The holds in force (`until` after `now`) on any of `scopes`: the later one of each kind per scope. */
	getHolds(scopes: readonly string[], now: number): Promise<RateLimitHold[]>;
	/**
	 * Records a hold and tells every watcher. Of two pauses of one scope the later end wins; a pace replaces the one
	 * before (each answer near a limit says anew what is left and how long until the reset).
	 */
	hold(hold: RateLimitHold): Promise<void>;
	/**
	 * Reserves one slot of each of `slots`, all or none (GCRA: each key's next slot is one interval after the last,
	 * less its tolerance). Resolves when the caller may go (epoch ms, `now` or later), or `null`, reserving
	 * nothing, when that would be after `latest`.
	 */
	reserveSlots(slots: readonly RateLimitSlot[], now: number, latest: number): Promise<number | null>;
	/** Counts a 429 of `reason` at `at`, for `status()`. */
	countRateLimited(reason: string, at: number): Promise<void>;
	/** Every hold in force, and the 429s by reason since `since`. */
	snapshot(now: number, since: number): Promise<{ holds: RateLimitHold[]; rateLimited: Record<string, number> }>;
	/** Optional: calls `listener` when a hold is recorded in any process, so budgets need not ask the store per call. */
	watch?(listener: () => void): () => void;
}
