import type { RateLimitHold, RateLimitSlot, RateLimitStore } from "./rate-limit-store.js";

/** A `RateLimitStore` in this process's memory: one process's budget, and tests. Every call completes at once. */
export class MemoryRateLimitStore implements RateLimitStore {
	readonly #holds = new Map<string, RateLimitHold>();
	/** Each slot key's theoretical arrival time (GCRA): when its next call is due. */
	readonly #due = new Map<string, { due: number; until?: number }>();
	readonly #rateLimited: { reason: string; at: number }[] = [];
	readonly #listeners = new Set<() => void>();

	public async getHolds(scopes: readonly string[], now: number): Promise<RateLimitHold[]> {
		const found: RateLimitHold[] = [];
		for (const scope of scopes) {
			for (const kind of ["pause", "pace"]) {
				const hold = this.#holds.get(`${kind} ${scope}`);
				if (hold !== undefined && hold.until > now) found.push({ ...hold });
			}
		}
		return found;
	}

	public async hold(hold: RateLimitHold): Promise<void> {
		const key = `${hold.intervalMs === undefined ? "pause" : "pace"} ${hold.scope}`;
		const held = this.#holds.get(key);
		const isPace = hold.intervalMs !== undefined;
		if (held === undefined || hold.until > held.until || isPace) this.#holds.set(key, { ...hold });
		for (const listener of this.#listeners) listener();
	}

	public async reserveSlots(slots: readonly RateLimitSlot[], now: number, latest: number): Promise<number | null> {
		// A booking whose pace ended is forgotten: a new window starts afresh.
		const due = (key: string) => {
			const entry = this.#due.get(key);
			return entry === undefined || (entry.until !== undefined && entry.until <= now) ? now : entry.due;
		};
		let at = now;
		for (const { key, toleranceMs, until } of slots) at = Math.max(at, Math.min(due(key) - toleranceMs, until ?? Number.POSITIVE_INFINITY));
		if (at > latest) return null;
		for (const { key, intervalMs, until } of slots) this.#due.set(key, { due: Math.max(due(key), at) + intervalMs, until });
		return at;
	}

	public async countRateLimited(reason: string, at: number): Promise<void> {
		this.#rateLimited.push({ reason, at });
		// Bounded: an hour of 429s is what status() reads.
		while ((this.#rateLimited[0]?.at ?? at) < at - 3_600_000 || this.#rateLimited.length > 100_000) this.#rateLimited.shift();
	}

	public async snapshot(now: number, since: number): Promise<{ holds: RateLimitHold[]; rateLimited: Record<string, number> }> {
		const holds = [...this.#holds.values()].filter((hold) => hold.until > now).map((hold) => ({ ...hold }));
		const rateLimited: Record<string, number> = {};
		for (const { reason, at } of this.#rateLimited) if (at >= since) rateLimited[reason] = (rateLimited[reason] ?? 0) + 1;
		return { holds, rateLimited };
	}

	public watch(listener: () => void): () => void {
		this.#listeners.add(listener);
		return () => this.#listeners.delete(listener);
	}
}
