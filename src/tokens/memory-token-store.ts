import { ChangeListeners } from "./change-listeners.js";
import type { StoredTokenSet, TokenStore, TokenStoreCallOptions, TokenStoreLease } from "./token-store.js";

/** A record, or a tombstone (`tokens: null`) that keeps a deleted connection's version counting. */
interface Entry {
	version: number;
	tokens: StoredTokenSet | null;
}

/**
 * A `TokenStore` in this process's memory: the default for one process, and for tests.
 * Every operation completes synchronously, so compare-and-set is atomic without further locking.
 */
export class MemoryTokenStore implements TokenStore {
	readonly #entries = new Map<string, Entry>();
	readonly #leases = new Map<string, { owner: symbol; expiresAt: number }>();
	readonly #listeners = new ChangeListeners();

	public async get(key: string, _options?: TokenStoreCallOptions): Promise<StoredTokenSet | null> {
		const tokens = this.#entries.get(key)?.tokens;
		// A copy, so a caller mutating the result cannot change what is stored.
		return tokens == null ? null : structuredClone(tokens);
	}

	public async getVersion(key: string, _options?: TokenStoreCallOptions): Promise<number> {
		return this.#entries.get(key)?.version ?? 0;
	}

	public async compareAndSet(
		key: string,
		expectedVersion: number,
		tokens: StoredTokenSet,
		_options?: TokenStoreCallOptions,
	): Promise<boolean> {
		if ((this.#entries.get(key)?.version ?? 0) !== expectedVersion) {
			return false;
		}
		this.#entries.set(key, { version: tokens.version, tokens: structuredClone(tokens) });
		this.#listeners.notify(key);
		return true;
	}

	public async delete(key: string, _options?: TokenStoreCallOptions): Promise<void> {
		const entry = this.#entries.get(key);
		if (entry !== undefined && entry.tokens !== null) {
			this.#entries.set(key, { version: entry.version + 1, tokens: null });
			this.#listeners.notify(key);
		}
	}

	public async acquireLease(key: string, ttlMs: number, _options?: TokenStoreCallOptions): Promise<TokenStoreLease | null> {
		const held = this.#leases.get(key);
		if (held !== undefined && held.expiresAt > Date.now()) {
			return null;
		}
		const owner = Symbol(key);
		this.#leases.set(key, { owner, expiresAt: Date.now() + ttlMs });
		const isHeld = () => {
			const lease = this.#leases.get(key);
			return lease?.owner === owner && lease.expiresAt > Date.now();
		};
		return {
			renew: async (renewTtlMs) => {
				if (!isHeld()) return false;
				this.#leases.set(key, { owner, expiresAt: Date.now() + renewTtlMs });
				return true;
			},
			release: async () => {
				if (this.#leases.get(key)?.owner !== owner) return;
				this.#leases.delete(key);
				this.#listeners.notify(key);
			},
		};
	}

	/** Calls `listener` after every write, delete and released lease of `key` in this store. */
	public watch(key: string, listener: () => void): () => void {
		return this.#listeners.add(key, listener);
	}

	public async listIdleKeys(issuedBefore: number, options: { limit: number }): Promise<string[]> {
		const idle: [string, number][] = [];
		for (const [key, { tokens }] of this.#entries) {
			if (tokens?.issuedAt !== undefined && tokens.issuedAt < issuedBefore) idle.push([key, tokens.issuedAt]);
		}
		return idle
			.sort((a, b) => a[1] - b[1])
			.slice(0, options.limit)
			.map(([key]) => key);
	}
}
