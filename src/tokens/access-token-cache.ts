import type { StoredTokenSet } from "./token-store.js";

interface Entry {
	/** A set that may be served, or `null` (deleted, refused, a refresh in flight, or not known). */
	tokens: StoredTokenSet | null;
	at: number;
	/** The lowest version the record can have, as far as this process knows: older reads arriving late are ignored. */
	floor: number;
}

/**
 * The newest token set this process has seen per connection — read from the store, or written by it — for
 * `TokenManager`'s opt-in `cacheMs`. Versions never go back, so a read that arrives after this process learned
 * of a newer version is ignored: the cache never serves a set this process knows was superseded. Bounded:
 * past `maxEntries`, the entry remembered longest ago goes first.
 */
export class AccessTokenCache {
	readonly #entries = new Map<string, Entry>();
	readonly #ttlMs: number;
	readonly #maxEntries: number;

	constructor(ttlMs: number, maxEntries: number) {
		this.#ttlMs = ttlMs;
		this.#maxEntries = maxEntries;
	}

	/** The set remembered for `key` less than the TTL ago, if it may be served. */
	public get(key: string, now: number): StoredTokenSet | undefined {
		const entry = this.#entries.get(key);
		return entry?.tokens != null && now - entry.at < this.#ttlMs ? entry.tokens : undefined;
	}

	/**
	 * What the store holds, as read or written by this process. `replace`: a new sign-in, which supersedes
	 * everything remembered before (a deleted connection's floor included).
	 */
	public remember(key: string, tokens: StoredTokenSet | null, now: number, replace = false): void {
		const floor = replace ? 0 : (this.#entries.get(key)?.floor ?? 0);
		if (tokens !== null && tokens.version < floor) {
			return;
		}
		const servable = tokens !== null && !tokens.reauthorizationRequired && tokens.refreshSentAt === undefined;
		this.#set(key, { tokens: servable ? tokens : null, at: now, floor: Math.max(floor, tokens?.version ?? 0) });
	}

	/** Stops serving `key`'s set; the record is at `atLeastVersion` or later (`Infinity`: deleted, version unknown). */
	public supersede(key: string, atLeastVersion = 0): void {
		const floor = Math.max(this.#entries.get(key)?.floor ?? 0, atLeastVersion);
		this.#set(key, { tokens: null, at: 0, floor });
	}

	public get size(): number {
		return this.#entries.size;
	}

	#set(key: string, entry: Entry): void {
		this.#entries.delete(key);
		this.#entries.set(key, entry);
		if (this.#entries.size > this.#maxEntries) {
			this.#entries.delete(this.#entries.keys().next().value as string);
		}
	}
}
