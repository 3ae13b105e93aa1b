import type { StoredTokenSet, TokenStore, TokenStoreLock } from "./token-store.js";

/** A `TokenStore` in this process's memory: the default for one process, and for tests. */
export class MemoryTokenStore implements TokenStore {
	readonly #tokens = new Map<string, StoredTokenSet>();
	readonly #locks = new Map<string, { owner: symbol; expiresAt: number }>();

	public async get(key: string): Promise<StoredTokenSet | null> {
		const tokens = this.#tokens.get(key);
		// A copy, so a caller mutating the result cannot change what is stored.
		return tokens === undefined ? null : structuredClone(tokens);
	}

	public async set(key: string, tokens: StoredTokenSet): Promise<void> {
		this.#tokens.set(key, structuredClone(tokens));
	}

	public async delete(key: string): Promise<void> {
		this.#tokens.delete(key);
	}

	public async lock(key: string, ttlMs: number): Promise<TokenStoreLock | null> {
		const held = this.#locks.get(key);
		if (held !== undefined && held.expiresAt > Date.now()) {
			return null;
		}
		const owner = Symbol(key);
		this.#locks.set(key, { owner, expiresAt: Date.now() + ttlMs });
		return {
			release: async () => {
				if (this.#locks.get(key)?.owner === owner) {
					this.#locks.delete(key);
				}
			},
		};
	}
}
