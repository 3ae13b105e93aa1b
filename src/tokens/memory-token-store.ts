import { ChangeListeners } from "./change-listeners.js";
import { checkTokenKey } from "./token-key.js";
import {
	type ConnectionStatus,
	checkListLimit,
	connectionStatus,
	type IdleKey,
	mayKeepAlive,
	type StoredConnection,
	type StoredTokenSet,
	type TokenStore,
	type TokenStoreCallOptions,
	type TokenStoreLease,
} from "./token-store.js";

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
	#closed = false;

	public async get(key: string, _options?: TokenStoreCallOptions): Promise<StoredTokenSet | null> {
		checkTokenKey(key);
		const tokens = this.#entries.get(key)?.tokens;
		// A copy, so a caller mutating the result cannot change what is stored.
		return tokens == null ? null : structuredClone(tokens);
	}

	public async getVersion(key: string, _options?: TokenStoreCallOptions): Promise<number> {
		checkTokenKey(key);
		return this.#entries.get(key)?.version ?? 0;
	}

	public async compareAndSet(
		key: string,
		expectedVersion: number,
		tokens: StoredTokenSet,
		_options?: TokenStoreCallOptions,
	): Promise<boolean> {
		checkTokenKey(key);
		if ((this.#entries.get(key)?.version ?? 0) !== expectedVersion) {
			return false;
		}
		this.#entries.set(key, { version: tokens.version, tokens: structuredClone(tokens) });
		this.#listeners.notify(key);
		return true;
	}

	public async delete(key: string, _options?: TokenStoreCallOptions): Promise<void> {
		checkTokenKey(key);
		const entry = this.#entries.get(key);
		if (entry !== undefined && entry.tokens !== null) {
			this.#entries.set(key, { version: entry.version + 1, tokens: null });
			this.#listeners.notify(key);
		}
	}

	public async acquireLease(key: string, ttlMs: number, _options?: TokenStoreCallOptions): Promise<TokenStoreLease | null> {
		checkTokenKey(key);
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
		return this.#closed ? () => {} : this.#listeners.add(key, listener);
	}

	/** Live connections only: a tombstone, a record marked for re-authorization and a disabled one are not kept alive. */
	public async listIdleKeys(issuedBefore: number, options: { limit: number; after?: IdleKey }): Promise<IdleKey[]> {
		const { after } = options;
		const idle: IdleKey[] = [];
		for (const [key, { tokens }] of this.#entries) {
			const issuedAt = tokens?.issuedAt;
			if (tokens === null || issuedAt === undefined || issuedAt >= issuedBefore || !mayKeepAlive(tokens)) continue;
			if (after === undefined || issuedAt > after.issuedAt || (issuedAt === after.issuedAt && key > after.key))
				idle.push({ key, issuedAt });
		}
		return idle.sort(byIdleOrder).slice(0, options.limit);
	}

	/** Every stored connection, in key order; the cursor is the last key of the page. */
	public async listKeys(options: { limit: number; cursor?: string | null }): Promise<{ keys: string[]; cursor: string | null }> {
		const from = options.cursor ?? null;
		const keys = [...this.#entries]
			.filter(([key, entry]) => entry.tokens !== null && (from === null || key > from))
			.map(([key]) => key)
			.sort()
			.slice(0, options.limit);
		return { keys, cursor: keys.length < options.limit ? null : (keys.at(-1) ?? null) };
	}

	/** Stored connections in key order, after `after`, of `status` when given. Sorts what it lists: for one process's worth of connections. */
	public async listConnections(options: { limit: number; after?: string; status?: ConnectionStatus }): Promise<StoredConnection[]> {
		checkListLimit(options.limit);
		const { after, status } = options;
		const found: StoredConnection[] = [];
		for (const [key, { tokens }] of this.#entries) {
			if (tokens === null || (after !== undefined && key <= after) || (status !== undefined && connectionStatus(tokens) !== status))
				continue;
			found.push({ key, tokens: structuredClone(tokens) });
		}
		return found.sort((a, b) => (a.key < b.key ? -1 : 1)).slice(0, options.limit);
	}

	/** Stored connections whose outbox holds events, in key order, after `after`. Scans: for one process's worth of connections. */
	public async listPendingEvents(options: { limit: number; after?: string }): Promise<StoredConnection[]> {
		checkListLimit(options.limit);
		const { after } = options;
		const found: StoredConnection[] = [];
		for (const [key, { tokens }] of this.#entries) {
			if (tokens?.pendingEvents === undefined || (after !== undefined && key <= after)) continue;
			found.push({ key, tokens: structuredClone(tokens) });
		}
		return found.sort((a, b) => (a.key < b.key ? -1 : 1)).slice(0, options.limit);
	}

	/** Drops every watch; the records stay readable and writable. */
	public async close(): Promise<void> {
		this.#closed = true;
		this.#listeners.clear();
	}
}

function byIdleOrder(a: IdleKey, b: IdleKey): number {
	return a.issuedAt - b.issuedAt || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}
