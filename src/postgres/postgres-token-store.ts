import { abortable } from "../internal/abortable.js";
import { ChangeListeners } from "../tokens/change-listeners.js";
import { checkTokenKey } from "../tokens/token-key.js";
import {
	type ConnectionStatus,
	checkListLimit,
	connectionStatus,
	type IdleKey,
	mayKeepAlive,
	parseStoredRecord,
	type StoredConnection,
	type StoredTokenSet,
	type TokenStore,
	type TokenStoreCallOptions,
	type TokenStoreLease,
} from "../tokens/token-store.js";
import { defaultListener, type PostgresListener, sharedChannel } from "./pg-listener.js";
import { DEFAULT_TOKEN_TABLE, isConcurrentCreation, quotedTable, schemaStatements } from "./schema.js";
import { statements } from "./statements.js";

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
	/** Gives back the connection of the listener the store made itself (the default for a pool). */
	#closeOwnListener: () => Promise<void> = async () => {};

	constructor(options: PostgresTokenStoreOptions) {
		if (typeof options?.client?.query !== "function") {
			throw new TypeError("PostgresTokenStore needs a client with query(text, params): a pg Pool or Client, or PGlite");
		}
		this.#client = options.client;
		this.#table = options.table ?? DEFAULT_TOKEN_TABLE;
		this.#sql = statements(quotedTable(this.#table).name);
		this.#channel = `${this.#table.replace(".", "_").toLowerCase().slice(0, 55)}_changed`;
		const own = options.listener === undefined ? defaultListener(options.client) : undefined;
		if (own !== undefined) this.#closeOwnListener = own.close;
		const listener = options.listener === undefined ? own?.listener : options.listener;
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
		await this.#fillStatus(options?.signal);
	}

	/**
	 * Fills in the status of rows written before the column existed, through the status index (so it costs nothing
	 * once done), by the same rule as every write. A row it cannot read (corrupt) is left for a new sign-in.
	 */
	async #fillStatus(signal: AbortSignal | undefined): Promise<void> {
		let after = "";
		for (;;) {
			const rows = await this.#query(this.#sql.unfilledStatus, [500, after], signal);
			for (const row of rows) {
				const key = String(row.key);
				const tokens = readableRecord(key, row.token_set, row.version);
				if (tokens !== undefined) await this.#query(this.#sql.fillStatus, [key, row.version, connectionStatus(tokens)], signal);
			}
			if (rows.length < 500) return;
			after = String(rows.at(-1)?.key);
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
		const status = connectionStatus(tokens);
		const pending = tokens.pendingEvents !== undefined;
		const updated = await this.#query(
			this.#sql.update,
			[key, expectedVersion, version, json, issuedAt, this.#channel, status, pending],
			options?.signal,
		);
		if (updated.length > 0 || expectedVersion !== 0) {
			return updated.length > 0;
		}
		const inserted = await this.#query(this.#sql.insert, [key, version, json, issuedAt, this.#channel, status, pending], options?.signal);
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

	/** Stored connections in key order (the primary key), or of one status (the status index), after `after`. */
	/** Connections whose outbox holds events, in key order, through the outbox index. */
	public async listPendingEvents(options: TokenStoreCallOptions & { limit: number; after?: string }): Promise<StoredConnection[]> {
		checkListLimit(options.limit);
		const { limit, after } = options;
		const [text, params] =
			after === undefined ? [this.#sql.listPendingEvents, [limit]] : [this.#sql.listPendingEventsAfter, [limit, after]];
		const found: StoredConnection[] = [];
		for (const row of await this.#query(text, params, options.signal)) {
			const tokens = readableRecord(String(row.key), row.token_set, row.version);
			if (tokens !== undefined) found.push({ key: String(row.key), tokens });
		}
		return found;
	}

	public async listConnections(
		options: TokenStoreCallOptions & { limit: number; after?: string; status?: ConnectionStatus },
	): Promise<StoredConnection[]> {
		checkListLimit(options.limit);
		const { after, status, limit } = options;
		const sql = this.#sql;
		const [text, params] =
			status === undefined
				? after === undefined
					? [sql.listConnections, [limit]]
					: [sql.listConnectionsAfter, [limit, after]]
				: after === undefined
					? [sql.listStatus, [limit, status]]
					: [sql.listStatusAfter, [limit, after, status]];
		const found: StoredConnection[] = [];
		for (const row of await this.#query(text, params, options.signal)) {
			const tokens = readableRecord(String(row.key), row.token_set, row.version);
			if (tokens !== undefined) found.push({ key: String(row.key), tokens });
		}
		return found;
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
		await this.#closeOwnListener();
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

/** A row's token set, or `undefined` when it is not one (corrupt): a listing leaves it out, and `get()` reports it. */
function readableRecord(key: string, json: unknown, version: unknown): StoredTokenSet | undefined {
	try {
		return parseStoredRecord(key, String(json), version);
	} catch {
		return undefined;
	}
}
