import { nearLimitPace, pausedScope, pauseEnd, type RateLimitedCall, rateLimitReason } from "./rate-limit-scopes.js";
import type { RateLimitHold, RateLimitSlot, RateLimitStore } from "./rate-limit-store.js";

/** A proactive limit on one kind of scope, kept by every worker together. */
export interface RateLimitProactiveLimit {
	/** Calls per second in each scope of the kind, spaced evenly (no burst: Atlassian's burst windows are a second long). */
	perSecond?: number;
	/** Calls per hour in each scope of the kind, as a bucket that holds a minute's worth. */
	perHour?: number;
}

export interface RateLimitBudgetOptions {
	/**
	 * Proactive limits for apps that know their tier: per kind of scope (`app`: all sites; `site`; `burst`: a site's
	 * GET and POST, or its PUT, PATCH and DELETE; `issue`: writes to one issue). Default: none, only what
	 * Atlassian's answers say. Each call then costs one store round trip.
	 */
	limits?: Partial<Record<"app" | "site" | "burst" | "issue", RateLimitProactiveLimit>>;
	/**
	 * How long this process trusts what it read of the holds, in ms, before asking the store again. A store that
	 * notifies (`watch`) makes every process re-read at once when a hold is recorded anywhere. Default 1 000.
	 */
	refreshMs?: number;
	/** The longest one store call may take; past it, the budget goes on with what this process knows. Default 1 000. */
	storeTimeoutMs?: number;
}

/** What `createAtlassianFetch` does with a call: send it after `waitMs`, or give back a 429 at once for `hold`. */
export type RateLimitDecision = { waitMs: number } | { refused: RateLimitHold };

/** Everything a budget holds back now, and Atlassian's 429s of the last hour by `RateLimit-Reason`. */
export interface RateLimitBudgetStatus {
	holds: RateLimitHold[];
	rateLimited: Record<string, number>;
}

const HOUR_MS = 3_600_000;
const NONE: RateLimitHold[] = [];
/** A 429 that says nothing of when to come back pauses its scope this long. */
const DEFAULT_PAUSE_MS = 5_000;

/**
 * One rate budget for every worker: what any worker learns from Atlassian (a 429 and its scope, a near limit)
 * holds back every worker's calls in that scope, through a store they share. Give it to `createAtlassianFetch`.
 */
export class RateLimitBudget {
	readonly #store: RateLimitStore;
	/** The proactive limits, as [kind, limit] pairs, worked out once. */
	readonly #limits: [keyof RateLimitedCall & string, RateLimitProactiveLimit][];
	readonly #refreshMs: number;
	readonly #storeTimeoutMs: number;
	/** What this process knows of each scope's holds, and when it read them (or learnt them itself). */
	readonly #known = new Map<string, { holds: RateLimitHold[]; readAt: number; generation: number }>();
	/** Moves on when the store says a hold was recorded: everything read before it is read again. */
	#generation = 0;
	#unwatch: (() => void) | undefined;

	constructor(store: RateLimitStore, options: RateLimitBudgetOptions = {}) {
		this.#store = store;
		this.#limits = Object.entries(options.limits ?? {}) as [keyof RateLimitedCall & string, RateLimitProactiveLimit][];
		this.#refreshMs = options.refreshMs ?? 1_000;
		this.#storeTimeoutMs = options.storeTimeoutMs ?? 1_000;
		for (const [kind, limit] of Object.entries(options.limits ?? {})) {
			for (const [name, value] of Object.entries(limit ?? {})) {
				if (!(typeof value === "number" && value > 0 && Number.isFinite(value))) {
					throw new TypeError(`limits.${kind}.${name} must be a number above 0, got ${String(value)}`);
				}
			}
		}
	}

	/** How long `call` must wait, or the hold that would keep it waiting past `maxWaitMs`. Reserves its slot. */
	public async reserve(call: RateLimitedCall, maxWaitMs: number): Promise<RateLimitDecision> {
		const now = Date.now();
		const holds = await this.#holdsOf(call.scopes, now);
		let pausedUntil = now;
		let longest: RateLimitHold | undefined;
		const slots: RateLimitSlot[] = [];
		for (const hold of holds) {
			if (hold.intervalMs !== undefined) {
				slots.push({ key: `pace:${hold.scope}`, intervalMs: hold.intervalMs, toleranceMs: 0, until: hold.until });
			} else if (hold.until > pausedUntil) {
				pausedUntil = hold.until;
				longest = hold;
			}
		}
		if (longest !== undefined && pausedUntil - now > maxWaitMs) return { refused: longest };
		if (this.#limits.length > 0) slots.push(...this.#proactiveSlots(call));
		if (slots.length === 0) return { waitMs: pausedUntil - now };
		const at = await this.#bounded(this.#store.reserveSlots(slots, pausedUntil, now + maxWaitMs), pausedUntil);
		if (at === null) {
			// The paced and limited scopes are booked past the longest wait this caller accepts.
			return { refused: { scope: call.site, until: now + maxWaitMs, reason: "budget" } };
		}
		return { waitMs: Math.max(0, at - now) };
	}

	/** Whether a pause holds `call` back now: a caller that waited for its slot looks again before sending. */
	public async isPaused(call: RateLimitedCall): Promise<boolean> {
		const now = Date.now();
		return (await this.#holdsOf(call.scopes, now)).some((hold) => hold.intervalMs === undefined && hold.until > now);
	}

	/** Learns from an answer: a 429 (or a 503 with `Retry-After`) pauses its scope; a near limit paces it. */
	public async observe(call: RateLimitedCall, response: Response): Promise<void> {
		const { status, headers } = response;
		const now = Date.now();
		let hold: RateLimitHold | undefined;
		if (status === 429 || (status === 503 && headers.has("retry-after"))) {
			const reason = status === 429 ? rateLimitReason(headers) : null;
			hold = {
				scope: pausedScope(call, reason),
				until: pauseEnd(headers, now) ?? now + DEFAULT_PAUSE_MS,
				reason: reason ?? String(status),
			};
			if (status === 429) this.#bounded(this.#store.countRateLimited(reason ?? "none", now), undefined);
		} else {
			const pace = nearLimitPace(call, headers, now);
			if (pace !== null) hold = { ...pace, reason: "near-limit" };
		}
		if (hold === undefined) return;
		// Known here at once, whatever the store does; then told to every worker through it.
		const known = this.#known.get(hold.scope);
		const sameKind = (each: RateLimitHold) => (each.intervalMs === undefined) === (hold.intervalMs === undefined);
		const held = known?.holds.find(sameKind);
		if (known === undefined) this.#known.set(hold.scope, { holds: [hold], readAt: now, generation: this.#generation });
		else if (held === undefined || held.until < hold.until || hold.intervalMs !== undefined) {
			known.holds = [...known.holds.filter((each) => !sameKind(each)), hold];
		}
		await this.#bounded(this.#store.hold(hold), undefined);
	}

	/** The holds in force, and Atlassian's 429s of the last hour by reason, from the store every worker shares. */
	public async status(): Promise<RateLimitBudgetStatus> {
		const now = Date.now();
		return this.#store.snapshot(now, now - HOUR_MS);
	}

	/** Stops listening to the store's notifications. The budget still works, asking the store every `refreshMs`. */
	public close(): void {
		this.#unwatch?.();
		this.#unwatch = () => {};
	}

	/** The holds of `scopes`: what this process knows while it is fresh, else read again (one round trip for all). */
	async #holdsOf(scopes: readonly string[], now: number): Promise<RateLimitHold[]> {
		this.#watchOnce();
		const stale = scopes.filter((scope) => {
			const known = this.#known.get(scope);
			return known === undefined || known.generation !== this.#generation || now - known.readAt >= this.#refreshMs;
		});
		// The common case: all known, nothing held. No allocation past this point.
		if (stale.length === 0 && scopes.every((scope) => this.#known.get(scope)?.holds.length === 0)) return NONE;
		if (stale.length > 0) {
			const generation = this.#generation;
			const read = await this.#bounded(this.#store.getHolds(stale, now), undefined);
			if (read !== undefined) {
				for (const scope of stale) {
					this.#known.set(scope, { holds: read.filter((hold) => hold.scope === scope), readAt: now, generation });
				}
			}
		}
		return scopes.flatMap((scope) => (this.#known.get(scope)?.holds ?? []).filter((hold) => hold.until > now));
	}

	/** The slots of the proactive limits that apply to `call`. */
	#proactiveSlots(call: RateLimitedCall): RateLimitSlot[] {
		const slots: RateLimitSlot[] = [];
		for (const [kind, limit] of this.#limits) {
			const scope = call[kind];
			if (typeof scope !== "string") continue;
			if (limit.perSecond !== undefined) slots.push({ key: `${scope}:second`, intervalMs: 1000 / limit.perSecond, toleranceMs: 0 });
			if (limit.perHour !== undefined) {
				const intervalMs = HOUR_MS / limit.perHour;
				slots.push({ key: `${scope}:hour`, intervalMs, toleranceMs: Math.max(0, limit.perHour / 60 - 1) * intervalMs });
			}
		}
		return slots;
	}

	#watchOnce(): void {
		if (this.#unwatch !== undefined || this.#store.watch === undefined) return;
		try {
			this.#unwatch = this.#store.watch(() => {
				this.#generation++;
			});
		} catch {
			this.#unwatch = () => {};
		}
	}

	/** A store call given at most `storeTimeoutMs`: a store that fails or hangs leaves this process on its own knowledge. */
	async #bounded<T, F>(call: Promise<T>, fallback: F): Promise<T | F> {
		let timer: ReturnType<typeof setTimeout> | undefined;
		const timeout = new Promise<F>((resolve) => {
			timer = setTimeout(() => resolve(fallback), this.#storeTimeoutMs);
		});
		try {
			return await Promise.race([call.catch(() => fallback), timeout]);
		} finally {
			clearTimeout(timer);
		}
	}
}
