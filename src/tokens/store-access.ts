import type { AccessTokenCache } from "./access-token-cache.js";
import type { StoreCallBounds } from "./bounded-call.js";
import { isStoredTokenSet, type StoredTokenSet, type TokenStore, type TokenStoreCallOptions } from "./token-store.js";

/**
 * `TokenManager`'s way to its store: every call bounded (`storeTimeoutMs`, the caller's signal) and sanitized,
 * every read and write kept in step with the optional access-token cache.
 */
export class StoreAccess {
	readonly store: TokenStore;
	readonly #bounds: StoreCallBounds;
	readonly #cache: AccessTokenCache | undefined;
	readonly #now: () => number;

	constructor(store: TokenStore, bounds: StoreCallBounds, cache: AccessTokenCache | undefined, now: () => number) {
		this.store = store;
		this.#bounds = bounds;
		this.#cache = cache;
		this.#now = now;
	}

	/** A store call, bounded; its failure reaches no caller or hook before its tokens (`tokens`, of a write) are taken out. */
	public call<T>(
		key: string,
		operation: string,
		call: (options: TokenStoreCallOptions) => Promise<T>,
		signal?: AbortSignal,
		tokens?: StoredTokenSet,
	): Promise<T> {
		return this.#bounds.run(call, { key, operation, tokens: tokens && [tokens.accessToken, tokens.refreshToken] }, signal);
	}

	public get(key: string, signal?: AbortSignal): Promise<StoredTokenSet | null> {
		const reading = this.call(key, "get", (call) => this.store.get(key, call), signal);
		const cache = this.#cache;
		return cache === undefined
			? reading
			: reading.then((stored) => {
					cache.remember(key, stored, this.#now());
					return stored;
				});
	}

	/** A fenced write: `false` when the record is no longer at `expectedVersion`. Refuses a set that is not a token set. */
	public async compareAndSet(key: string, expectedVersion: number, tokens: StoredTokenSet, signal?: AbortSignal): Promise<boolean> {
		if (!isStoredTokenSet(tokens)) {
			throw new TypeError(`Refusing to store an invalid token set for "${key}"`);
		}
		let written: boolean;
		try {
			written = await this.call(
				key,
				"compareAndSet",
				(call) => this.store.compareAndSet(key, expectedVersion, tokens, call),
				signal,
				tokens,
			);
		} catch (error) {
			// Outcome unknown: it may have landed.
			this.#cache?.supersede(key, expectedVersion);
			throw error;
		}
		if (written) {
			this.#cache?.remember(key, tokens, this.#now());
		} else {
			// Someone else wrote: the record is past the version we expected.
			this.#cache?.supersede(key, expectedVersion + 1);
		}
		return written;
	}
}
