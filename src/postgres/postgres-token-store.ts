import { abortable } from "../internal/abortable.js";
import { ChangeListeners } from "../tokens/change-listeners.js";
import { checkTokenKey } from "../tokens/token-key.js";
import {
	type IdleKey,
	mayKeepAlive,
	parseStoredRecord,
	type StoredTokenSet,
	type TokenStore,
	type TokenStoreCallOptions,
	type TokenStoreLease,
} from "../tokens/token-store.js";
import { type PgListenerPool, type PostgresListener, pgListener, sharedChannel } from "./pg-listener.js";
import { DEFAULT_TOKEN_TABLE, isConcurrentCreation, quotedTable, schemaStatements } from "./schema.js";

/**
 * What the store needs of a database client: node-postgres' `Pool` and `Client` and PGlite have it as they
 * are; any other driver takes a few lines to adapt. Each call is one statement with `$1`-style parameters.
 */
export interface PostgresClient {
	query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface PostgresTokenStoreOptions {
	client: PostgresClient;
	/** The table, optionally schema-qualified (`"auth.atlassian_token_sets"`). Default `"atlassian_token_sets"`. */
	table?: string;
	/**
	 * Where notifications come from: a process waiting for another's refresh is woken by `NOTIFY` the moment the
	 * new token set is stored or the lease released, instead of polling. Every write notifies, listened to or not.
	 * Default: the client itself when it can listen (PGlite), or for a node-postgres `Pool` a `pgListener` of the
	 * store's own, on one connection of the pool, taken on the first wait and given back by `close()` or when the
	 * pool ends. Pass a listener to share one among stores (it listens once per table, whatever their number), or
	 * `false` to poll.
	 */
	listener?: PostgresListener | false;
}

/**
 * `statement` (which returns the changed rows' `key`), followed in the same statement by a `NOTIFY` per changed
 * row on the channel given as parameter `$channel`. Postgres delivers it when the statement commits, and only then.
 */
function notifying(statement: string, channel: number): string {
	return `WITH changed AS (${statement}) SELECT key, pg_notify($${channel}::text, key) FROM changed`;
}

/** Every statement of a store on `table` (already quoted), built once when the store is. */
function statements(table: string) {
	return {
		get: `SELECT version, token_set FROM ${table} WHERE key = $1`,
		getVersion: `SELECT version FROM ${table} WHERE key = $1`,
		// The fenced write: it lands only if the version is still the one the writer read.
		update: notifying(
			`UPDATE ${table} SET version = $3, token_set = $4, issued_at = $5, updated_at = now() WHERE key = $1 AND version = $2 RETURNING key`,
			6,
		),
		// Version 0 is also "no row at all": the first write inserts it. Of two first writes, the second conflicts and loses.
		insert: notifying(
			`INSERT INTO ${table} (key, version, token_set, issued_at) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING RETURNING key`,
			5,
		),
		// A tombstone one version higher, so a refresh in flight cannot write the connection back.
		delete: notifying(
			`UPDATE ${table} SET version = version + 1, token_set = NULL, issued_at = NULL, updated_at = now() WHERE key = $1 AND token_set IS NOT NULL RETURNING key`,
			2,
		),
		// One statement: insert a lease-only row, or take the lease of an existing row if it is free or expired.
		acquireLease: `INSERT INTO ${table} AS existing (key, lease_owner, lease_expires_at)
			 VALUES ($1, $2, clock_timestamp() + $3::double precision * interval '1 millisecond')
			 ON CONFLICT (key) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_expires_at = EXCLUDED.lease_expires_at
			 WHERE existing.lease_expires_at IS NULL OR existing.lease_expires_at <= clock_timestamp()
			 RETURNING key`,
		// Owner-checked: a holder whose lease expired and was taken over can neither extend nor free the new holder's.
		renewLease: `UPDATE ${table} SET lease_expires_at = clock_timestamp() + $3::double precision * interval '1 millisecond'
			 WHERE key = $1 AND lease_owner = $2 AND lease_expires_at > clock_timestamp() RETURNING key`,
		releaseLease: notifying(
			`UPDATE ${table} SET lease_owner = NULL, lease_expires_at = NULL WHERE key = $1 AND lease_owner = $2 RETURNING key`,
			3,
		),
		listIdleKeys: `SELECT key, issued_at FROM ${table} WHERE token_set IS NOT NULL AND issued_at IS NOT NULL AND issued_at < $1 ORDER BY issued_at, key LIMIT $2`,
		listIdleKeysAfter: `SELECT key, issued_at FROM ${table} WHERE token_set IS NOT NULL AND issued_at IS NOT NULL AND issued_at < $1 AND (issued_at, key) > ($3, $4) ORDER BY issued_at, key LIMIT $2`,
		listKeys: `SELECT key FROM ${table} WHERE token_set IS NOT NULL AND ($2::text IS NULL OR key > $2) ORDER BY key LIMIT $1`,
	};
}

/**
 * A `TokenStore` on PostgreSQL, shared by every process: node-postgres (`Pool`, `Client`), PGlite, or any
 * client with `query(text, params)`. One table, created by `ensureSchema()` or by `tokenTableSQL()` in
 * your migrations. Writes are `UPDATE … WHERE version = $n`; the refresh lease is a pair of columns taken by
 * one atomic statement and expiring on the database's clock. No session state, no advisory locks: it works
 * through poolers in transaction mode (PgBouncer) and over serverless drivers.
 */
export class PostgresTokenStore implements TokenStore {
	readonly #client: PostgresClient;
	readonly #table: string;
	readonly #sql: ReturnType<typeof statements>;
	/** The `NOTIFY` channel of this table: every write, delete and released lease notifies it, with the key. */
	readonly #channel: string;
	/** Present only with a `listener`. */
	public readonly watch?: (key: string, listener: () => void) => () => void;
	#stopWatching: () => void = () => {};
	#closed = false;
	/** The pgListener this store made for its pool (the default), closed with the store. */
	#ownListener: (PostgresListener & { close(): Promise<void> }) | undefined;

	constructor(options: PostgresTokenStoreOptions) {
		if (typeof options?.client?.query !== "function") {
			throw new TypeError("PostgresTokenStore needs a client with query(text, params): a pg Pool or Client, or PGlite");
		}
		this.#client = options.client;
		this.#table = options.table ?? DEFAULT_TOKEN_TABLE;
		this.#sql = statements(quotedTable(this.#table).name);
		this.#channel = `${this.#table.replace(".", "_").toLowerCase().slice(0, 55)}_changed`;
		const listener = options.listener === undefined ? this.#defaultListener(options.client) : options.listener;
		if (listener !== false && listener !== undefined) {
			const listeners = new ChangeListeners();
			const notify = (payload: string) => listeners.notify(payload);
			let stop: (() => void) | undefined;
			this.watch = (key, callback) => {
				if (this.#closed) return () => {};
				// Joined on first use; a failed LISTEN only costs polling, and the next watch tries again.
				stop ??= sharedChannel(listener, this.#channel, notify, () => {
					stop = undefined;
				});
				return listeners.add(key, callback);
			};
			this.#stopWatching = () => {
				stop?.();
				stop = undefined;
			};
		}
	}

	/** PGlite listens as it is; a node-postgres pool gets a `pgListener` of the store's own, made on first use. */
	#defaultListener(client: PostgresClient): PostgresListener | undefined {
		const candidate = client as Partial<PostgresListener> & Partial<PgListenerPool>;
		if (typeof candidate.listen === "function") {
			return client as unknown as PostgresListener;
		}
		if (typeof candidate.connect === "function") {
			return {
				listen: (channel, callback) => {
					const own = this.#ownListener ?? pgListener(client as unknown as PgListenerPool);
					this.#ownListener = own;
					return own.listen(channel, callback);
				},
			};
		}
		return undefined;
	}

	/** Creates the table and its index if they are missing. Safe to run twice, and from several processes at once. */
	public async ensureSchema(options?: TokenStoreCallOptions): Promise<void> {
		for (const statement of schemaStatements(this.#table)) {
			try {
				await this.#query(statement, [], options?.signal);
			} catch (error) {
				// Two processes creating the same table at once: one wins, the other hits a unique violation in the catalog.
				if (!isConcurrentCreation(error)) throw error;
			}
		}
	}

	public async get(key: string, options?: TokenStoreCallOptions): Promise<StoredTokenSet | null> {
		checkTokenKey(key);
		const [row] = await this.#query(this.#sql.get, [key], options?.signal);
		if (row === undefined || row.token_set === null || row.token_set === undefined) {
			return null;
		}
		return parseStoredRecord(key, String(row.token_set), row.version);
	}

	public async getVersion(key: string, options?: TokenStoreCallOptions): Promise<number> {
		checkTokenKey(key);
		const [row] = await this.#query(this.#sql.getVersion, [key], options?.signal);
		return row === undefined ? 0 : Number(row.version);
	}

	public async compareAndSet(
		key: string,
		expectedVersion: number,
		tokens: StoredTokenSet,
		options?: TokenStoreCallOptions,
	): Promise<boolean> {
		checkTokenKey(key);
		const { version, ...data } = tokens;
		const json = JSON.stringify(data);
		// A connection that must sign in again leaves the keep-alive index: it must not take a live one's place.
		const issuedAt = mayKeepAlive(tokens) ? (tokens.issuedAt ?? null) : null;
		const updated = await this.#query(this.#sql.update, [key, expectedVersion, version, json, issuedAt, this.#channel], options?.signal);
		if (updated.length > 0 || expectedVersion !== 0) {
			return updated.length > 0;
		}
		const inserted = await this.#query(this.#sql.insert, [key, version, json, issuedAt, this.#channel], options?.signal);
		return inserted.length > 0;
	}

	public async delete(key: string, options?: TokenStoreCallOptions): Promise<void> {
		checkTokenKey(key);
		await this.#query(this.#sql.delete, [key, this.#channel], options?.signal);
	}

	public async acquireLease(key: string, ttlMs: number, options?: TokenStoreCallOptions): Promise<TokenStoreLease | null> {
		checkTokenKey(key);
		const owner = crypto.randomUUID();
		if ((await this.#query(this.#sql.acquireLease, [key, owner, ttlMs], options?.signal)).length === 0) {
			return null;
		}
		return {
			renew: async (renewTtlMs, renewOptions) =>
				(await this.#query(this.#sql.renewLease, [key, owner, renewTtlMs], renewOptions?.signal)).length > 0,
			release: async (releaseOptions) => {
				await this.#query(this.#sql.releaseLease, [key, owner, this.#channel], releaseOptions?.signal);
			},
		};
	}

	public async listIdleKeys(issuedBefore: number, options: TokenStoreCallOptions & { limit: number; after?: IdleKey }): Promise<IdleKey[]> {
		const { after } = options;
		const rows =
			after === undefined
				? await this.#query(this.#sql.listIdleKeys, [issuedBefore, options.limit], options.signal)
				: await this.#query(this.#sql.listIdleKeysAfter, [issuedBefore, options.limit, after.issuedAt, after.key], options.signal);
		return rows.map((row) => ({ key: String(row.key), issuedAt: Number(row.issued_at) }));
	}

	/** Every stored connection, in key order, by the primary key; the cursor is the last key of a full page. */
	public async listKeys(
		options: TokenStoreCallOptions & { limit: number; cursor?: string | null },
	): Promise<{ keys: string[]; cursor: string | null }> {
		const rows = await this.#query(this.#sql.listKeys, [options.limit, options.cursor ?? null], options.signal);
		const keys = rows.map((row) => String(row.key));
		return { keys, cursor: keys.length < options.limit ? null : (keys.at(-1) ?? null) };
	}

	/**
	 * Lets go of this store's part of a shared `listener` (the last store on a table stops listening), and gives
	 * back the connection of the listener the store made itself. The client stays open: it is yours.
	 */
	public async close(): Promise<void> {
		this.#closed = true;
		this.#stopWatching();
		await this.#ownListener?.close();
		this.#ownListener = undefined;
	}

	/**
	 * One statement, bounded by the caller's signal: the caller stops waiting when it aborts. Drivers cannot
	 * cancel a statement from a signal, so it may still complete in the database; every write is fenced, so a
	 * late one cannot overwrite newer data.
	 */
	async #query(text: string, params: unknown[], signal: AbortSignal | undefined): Promise<Record<string, unknown>[]> {
		signal?.throwIfAborted();
		return (await abortable(this.#client.query(text, params), signal, (aborted) => aborted.reason)).rows;
	}
}
