import { abortable } from "../internal/abortable.js";
import { ChangeListeners } from "../tokens/change-listeners.js";
import { checkTokenKey } from "../tokens/token-key.js";
import {
	type IdleKey,
	parseStoredRecord,
	type StoredTokenSet,
	type TokenStore,
	type TokenStoreCallOptions,
	type TokenStoreLease,
} from "../tokens/token-store.js";

/**
 * What the store needs of a database client: node-postgres' `Pool` and `Client` and PGlite have it as they
 * are; any other driver takes a few lines to adapt. Each call is one statement with `$1`-style parameters.
 */
export interface PostgresClient {
	query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * Where notifications come from: `LISTEN` on a connection of its own. PGlite has this method as it is; for
 * node-postgres, `pgListener(pool)` makes one.
 */
export interface PostgresListener {
	listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
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

export const DEFAULT_TOKEN_TABLE = "atlassian_token_sets";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The table name, checked and double-quoted part by part, so it can never carry SQL. */
function quotedTable(table: string): { name: string; indexName: string; idleIndexName: string } {
	const parts = table.split(".");
	if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
		throw new TypeError(`table must be a Postgres identifier, optionally schema-qualified (letters, digits, _), got "${table}"`);
	}
	const last = parts.at(-1) as string;
	return {
		name: parts.map((part) => `"${part}"`).join("."),
		indexName: `"${last.slice(0, 50)}_issued_at"`,
		idleIndexName: `"${last.slice(0, 50)}_idle"`,
	};
}

function schemaStatements(table: string): string[] {
	const { name, idleIndexName } = quotedTable(table);
	return [
		`CREATE TABLE IF NOT EXISTS ${name} (
	-- One row per connection (TokenManager key).
	key text PRIMARY KEY,
	-- Every write is a compare-and-set on it; it never goes back, across deletes too.
	version bigint NOT NULL DEFAULT 0,
	-- The token set as JSON (without its version); NULL for a deleted connection (a tombstone) or a lease-only row.
	token_set text,
	-- When the refresh token was issued, epoch ms: the keep-alive index (Atlassian ends refresh tokens unused for 90 days).
	-- NULL when the connection cannot be kept alive: deleted, or marked for re-authorization.
	issued_at bigint,
	-- The refresh lease: who holds it, and until when (the database's clock, so hosts' clocks cannot disagree).
	lease_owner text,
	lease_expires_at timestamptz,
	updated_at timestamptz NOT NULL DEFAULT now()
)`,
		// (issued_at, key): keepAlive() pages through it with a row comparison. (0.2 had "…_issued_at" on
		// issued_at alone; it may be dropped.)
		`CREATE INDEX IF NOT EXISTS ${idleIndexName} ON ${name} (issued_at, key) WHERE issued_at IS NOT NULL`,
	];
}

/**
 * The SQL `ensureSchema()` runs, for your own migrations (node-pg-migrate, Prisma, Flyway…): one table and
 * one partial index, each statement ending in `;`. Safe to run twice.
 */
export function tokenTableSQL(table: string = DEFAULT_TOKEN_TABLE): string {
	return `${schemaStatements(table).join(";\n\n")};\n`;
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
		const issuedAt = tokens.reauthorizationRequired ? null : (tokens.issuedAt ?? null);
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

interface SharedChannel {
	/** Each store's callback, and what to tell it if the LISTEN fails. */
	members: Map<(payload: string) => void, () => void>;
	unlisten: Promise<() => Promise<void>>;
}

/** The stores listening on one channel through one listener: it listens once, and stops after the last store left. */
const sharedChannels = new WeakMap<PostgresListener, Map<string, SharedChannel>>();

/** Joins `channel` on `listener`; returns how to leave it. `onFailed`: the LISTEN failed, and this store is no longer on it. */
function sharedChannel(listener: PostgresListener, channel: string, callback: (payload: string) => void, onFailed: () => void): () => void {
	let channels = sharedChannels.get(listener);
	if (channels === undefined) {
		channels = new Map();
		sharedChannels.set(listener, channels);
	}
	const byChannel = channels;
	let shared = byChannel.get(channel);
	if (shared === undefined) {
		const members = new Map<(payload: string) => void, () => void>();
		const created: SharedChannel = {
			members,
			unlisten: listener.listen(channel, (payload) => {
				for (const member of [...members.keys()]) member(payload);
			}),
		};
		created.unlisten.catch(() => {
			if (byChannel.get(channel) === created) byChannel.delete(channel);
			for (const failed of [...members.values()]) failed();
			members.clear();
		});
		byChannel.set(channel, created);
		shared = created;
	}
	const joined = shared;
	const member = (payload: string) => callback(payload);
	joined.members.set(member, onFailed);
	return () => {
		if (!joined.members.delete(member) || joined.members.size > 0) return;
		if (byChannel.get(channel) === joined) byChannel.delete(channel);
		joined.unlisten.then((unlisten) => unlisten()).catch(() => {});
	};
}

function isConcurrentCreation(error: unknown): boolean {
	const code = (error as { code?: unknown } | null)?.code;
	// unique_violation (on pg_type / pg_class), duplicate_table, duplicate_object
	return code === "23505" || code === "42P07" || code === "42710";
}

/** What `pgListener` needs of a node-postgres pool: a client of its own, kept for `LISTEN`. */
export interface PgListenerPool {
	connect(): Promise<PgListenerClient>;
}

export interface PgListenerClient {
	query(text: string): Promise<unknown>;
	on(event: string, listener: (...args: never[]) => void): unknown;
	release(error?: Error | boolean): void;
}

/** node-postgres internals read when present: a client's socket, and whether its pool is ending. */
interface NodePostgresInternals {
	connection?: { stream?: { unref?(): void } };
}

/**
 * A `PostgresListener` on node-postgres: one client taken from `pool` and kept for `LISTEN`. When that
 * connection breaks, it takes another and listens again (every second until it can); meanwhile waiters poll.
 * It never keeps a process alive by itself (its socket is unref'd), and it gives its client back as soon as the
 * pool starts ending, so `pool.end()` does not wait for it.
 */
export function pgListener(pool: PgListenerPool): PostgresListener & { close(): Promise<void> } {
	const channels = new Map<string, Set<(payload: string) => void>>();
	let client: PgListenerClient | undefined;
	let connecting: Promise<PgListenerClient> | undefined;
	let closed = false;
	/** The pending attempt to listen again after the connection broke; close() cancels it. */
	let retry: ReturnType<typeof setTimeout> | undefined;
	/** Gives the current client back to the pool, once, whoever notices first: an error, its end, or close(). */
	let releaseCurrent: (error?: Error) => void = () => {};

	const quoted = (channel: string) => `"${channel.replace(/"/g, '""')}"`;

	async function connect(): Promise<PgListenerClient> {
		if (closed) throw new Error("pgListener is closed");
		const fresh = await pool.connect();
		let released = false;
		const release = (error?: Error) => {
			if (released) return;
			released = true;
			if (client === fresh) client = undefined;
			fresh.release(error ?? true);
		};
		const onBroken = (error?: Error) => {
			if (released) return;
			release(error);
			if (!closed && channels.size > 0) {
				retry = setTimeout(() => {
					retry = undefined;
					ensure().catch(() => {});
				}, 1_000);
			}
		};
		fresh.on("error", onBroken as (...args: never[]) => void);
		fresh.on("end", (() => onBroken()) as (...args: never[]) => void);
		(fresh as NodePostgresInternals).connection?.stream?.unref?.();
		fresh.on("notification", ((message: { channel: string; payload?: string }) => {
			for (const callback of channels.get(message.channel) ?? []) callback(message.payload ?? "");
		}) as (...args: never[]) => void);
		try {
			for (const channel of channels.keys()) await fresh.query(`LISTEN ${quoted(channel)}`);
		} catch (error) {
			release(error as Error);
			throw error;
		}
		// Closed while connecting: the connection goes back now rather than being held for nobody.
		if (closed) {
			release();
			throw new Error("pgListener is closed");
		}
		client = fresh;
		releaseCurrent = release;
		watchPoolEnd();
		return fresh;
	}

	/** pg-pool's end() waits for every client it lent: while this one is held, look for the pool ending, and give it back. */
	let poolEndWatch: ReturnType<typeof setInterval> | undefined;
	function watchPoolEnd(): void {
		if (poolEndWatch !== undefined || !("ending" in (pool as object))) return;
		poolEndWatch = setInterval(() => {
			if ((pool as { ending?: boolean }).ending) void listener.close();
		}, 100);
		(poolEndWatch as { unref?: () => void }).unref?.();
	}

	function ensure(): Promise<PgListenerClient> {
		if (client !== undefined) return Promise.resolve(client);
		connecting ??= connect().finally(() => {
			connecting = undefined;
		});
		return connecting;
	}

	const listener: PostgresListener & { close(): Promise<void> } = {
		async listen(channel, callback) {
			let callbacks = channels.get(channel);
			if (callbacks === undefined) {
				callbacks = new Set();
				channels.set(channel, callbacks);
			}
			callbacks.add(callback);
			const forget = () => {
				callbacks.delete(callback);
				if (callbacks.size === 0 && channels.get(channel) === callbacks) channels.delete(channel);
			};
			try {
				// Also when the connection is older than this channel. LISTEN twice is harmless.
				await (await ensure()).query(`LISTEN ${quoted(channel)}`);
			} catch (error) {
				forget(); // the caller may try again, without a stale callback left behind
				throw error;
			}
			return async () => {
				forget();
				if (!channels.has(channel)) await client?.query(`UNLISTEN ${quoted(channel)}`).catch(() => {});
			};
		},
		async close() {
			closed = true;
			clearTimeout(retry);
			clearInterval(poolEndWatch);
			channels.clear();
			releaseCurrent();
		},
	};
	return listener;
}
