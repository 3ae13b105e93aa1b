import type { Cluster, Redis } from "ioredis";
import { ChangeListeners } from "../tokens/change-listeners.js";
import { CorruptTokenRecordError, TokenWriteNotDurableError } from "../tokens/errors.js";
import { checkTokenKey } from "../tokens/token-key.js";
import {
	type ConnectionStatus,
	type IdleKey,
	mayKeepAlive,
	parseStoredRecord,
	type StoredConnection,
	type StoredTokenSet,
	type TokenStore,
	type TokenStoreCallOptions,
	type TokenStoreLease,
} from "../tokens/token-store.js";
import { indexAllConnections, indexConnection, listConnections, listPendingEvents } from "./connection-index.js";
import { listIdleKeys, listKeys, migrateLegacyRecords, RedisKeyLayout } from "./listing.js";
import type { RedisTokenStoreOptions } from "./redis-token-store-options.js";
import { ACQUIRE_SCRIPT, COMPARE_AND_SET_SCRIPT, DELETE_SCRIPT, GET_VERSION_SCRIPT, RELEASE_SCRIPT, RENEW_SCRIPT } from "./scripts.js";
import { type SharedSubscriber, sharedSubscriber } from "./shared-subscriber.js";

export type { RedisTokenStoreOptions } from "./redis-token-store-options.js";

/**
 * A `TokenStore` on Redis, shared by every process. Each connection's keys share a hash tag, so every
 * script touches one slot and the store works on Redis Cluster too:
 *
 * - `{prefix}{{key}}:tokens` — a hash: `v` (version) and `d` (the token set as JSON), written only by
 *   compare-and-set scripts;
 * - `{prefix}{{key}}:lease` — the refresh lease, `SET NX PX` with an owner id, renewed and released by owner-checked scripts;
 * - `{prefix}issued-at` — a sorted set of keys by when their refresh token was issued, for `keepAlive()`;
 * - `{prefix}{connections}:all` and `:status` — the connection index, for `listConnections()`;
 * - `{prefix}{{key}}:changed` — a pub/sub channel: every write, delete and released lease publishes on it.
 */
export class RedisTokenStore implements TokenStore {
	readonly #client: Redis | Cluster;
	readonly #keys: RedisKeyLayout;
	readonly #ttlMs: number;
	readonly #durability: { replicas: number; timeoutMs: number } | undefined;
	#unwatchAll: () => void = () => {};
	#closed = false;
	/** The connection this store opened for notifications (the default), closed with the store. */
	#ownSubscriber: Redis | Cluster | undefined;
	/** Absent with `subscriber: false`: waiters are woken by messages on each key's channel. */
	public readonly watch?: (key: string, listener: () => void) => () => void;

	constructor(options: RedisTokenStoreOptions) {
		this.#client = options.client;
		this.#keys = new RedisKeyLayout(options.prefix ?? "atlassian-3lo:");
		this.#ttlMs = options.ttlMs ?? 90 * 24 * 60 * 60 * 1000;
		if (!(Number.isSafeInteger(this.#ttlMs) && this.#ttlMs > 0)) {
			throw new TypeError(`ttlMs must be a whole number of ms above 0, got ${String(options.ttlMs)}`);
		}
		const { durability } = options;
		if (
			durability !== undefined &&
			!(
				Number.isSafeInteger(durability.replicas) &&
				durability.replicas > 0 &&
				Number.isSafeInteger(durability.timeoutMs) &&
				durability.timeoutMs > 0
			)
		) {
			// WAIT with a timeout of 0 blocks forever.
			throw new TypeError(`durability needs a whole number of replicas above 0 and a timeoutMs above 0, got ${JSON.stringify(durability)}`);
		}
		this.#durability = durability;
		const { subscriber } = options;
		if (subscriber === false) {
			return;
		}
		if ((subscriber as unknown) === (options.client as unknown)) {
			throw new TypeError(
				"subscriber must be a connection of its own (client.duplicate()): a subscribed connection can run no other command",
			);
		}
		let shared: SharedSubscriber | undefined;
		const connection = () => {
			if (shared !== undefined) return shared;
			this.#ownSubscriber = subscriber === undefined ? this.#openSubscriber() : undefined;
			shared = sharedSubscriber(subscriber ?? (this.#ownSubscriber as Redis | Cluster));
			return shared;
		};
		const stops = new Map<string, () => void>();
		const listeners = new ChangeListeners({
			onFirst: (key) =>
				stops.set(
					key,
					connection().add(this.#keys.channel(key), () => listeners.notify(key)),
				),
			onLast: (key) => {
				stops.get(key)?.();
				stops.delete(key);
			},
		});
		this.watch = (key, listener) => (this.#closed ? () => {} : listeners.add(key, listener));
		this.#unwatchAll = () => {
			for (const stop of stops.values()) stop();
			stops.clear();
		};
	}

	/**
	 * The store's own notification connection: a duplicate of `client`, opened on the first wait. It ends with
	 * `client` (a process that quits its client can exit) or with `close()`.
	 */
	#openSubscriber(): Redis | Cluster {
		const own = this.#client.duplicate();
		// A failing notification connection only costs polling; it must not crash the process with an unhandled error.
		own.on("error", () => {});
		this.#client.once("end", () => own.disconnect());
		return own;
	}

	public async get(key: string, _options?: TokenStoreCallOptions): Promise<StoredTokenSet | null> {
		checkTokenKey(key);
		let fields: (string | null)[];
		try {
			fields = await this.#client.hmget(this.#keys.record(key), "v", "d");
		} catch (error) {
			if (error instanceof Error && error.message.startsWith("WRONGTYPE")) throw new CorruptTokenRecordError(key);
			throw error;
		}
		const [version, data] = fields;
		if (data == null) {
			return null;
		}
		return parseStoredRecord(key, data, version);
	}

	public async getVersion(key: string, _options?: TokenStoreCallOptions): Promise<number> {
		checkTokenKey(key);
		return Number(await this.#client.eval(GET_VERSION_SCRIPT, 1, this.#keys.record(key)));
	}

	public async compareAndSet(
		key: string,
		expectedVersion: number,
		tokens: StoredTokenSet,
		_options?: TokenStoreCallOptions,
	): Promise<boolean> {
		checkTokenKey(key);
		const { version, ...data } = tokens;
		const written = await this.#write(
			key,
			COMPARE_AND_SET_SCRIPT,
			expectedVersion,
			version,
			JSON.stringify(data),
			this.#ttlMs,
			this.#keys.channel(key),
		);
		if (written !== 1) {
			return false;
		}
		// The index lives in its own slot, so it cannot join the script on a cluster. It is a hint that
		// `keepAlive()` checks against the record; a lost update is repaired by the next write. A connection that
		// must sign in again leaves it: it can no longer be kept alive, and must not take a live one's place.
		const idle = !mayKeepAlive(tokens)
			? this.#client.zrem(this.#keys.index, key)
			: tokens.issuedAt !== undefined
				? this.#client.zadd(this.#keys.index, tokens.issuedAt, key)
				: undefined;
		// The connection index too: both in flight at once, each a hint its listing checks.
		await Promise.all([idle?.catch(() => {}), indexConnection(this.#client, this.#keys, key, tokens).catch(() => {})]);
		return true;
	}

	public async delete(key: string, _options?: TokenStoreCallOptions): Promise<void> {
		checkTokenKey(key);
		await this.#write(key, DELETE_SCRIPT, this.#ttlMs, this.#keys.channel(key));
		await Promise.all([
			this.#client.zrem(this.#keys.index, key).catch(() => {}),
			indexConnection(this.#client, this.#keys, key, null).catch(() => {}),
		]);
	}

	/** Runs a write script on the connection's record; with `durability`, then WAIT on the same connection. */
	#write(key: string, script: string, ...args: (string | number)[]): Promise<unknown> {
		return this.#durably(key, this.#keys.record(key), script, ...args);
	}

	/**
	 * Runs `script` on `redisKey`. With `durability`, WAIT follows in the same pipeline, so it runs on the
	 * connection that wrote (a cluster sends both to the key's node); a write that changed something (a
	 * result of 1) with too few acknowledgements is a `TokenWriteNotDurableError`.
	 */
	async #durably(key: string, redisKey: string, script: string, ...args: (string | number)[]): Promise<unknown> {
		if (this.#durability === undefined) {
			return this.#client.eval(script, 1, redisKey, ...args);
		}
		const { replicas, timeoutMs } = this.#durability;
		const results = (await this.#client
			.pipeline()
			.eval(script, 1, redisKey, ...args)
			.wait(replicas, timeoutMs)
			.exec()) as [[Error | null, unknown], [Error | null, unknown]];
		const [[writeError, written], [waitError, acknowledged]] = results;
		if (writeError) throw writeError;
		if (written === 1) {
			if (waitError) throw waitError;
			if (Number(acknowledged) < replicas) throw new TokenWriteNotDurableError(key, Number(acknowledged), replicas);
		}
		return written;
	}

	public async acquireLease(key: string, ttlMs: number, _options?: TokenStoreCallOptions): Promise<TokenStoreLease | null> {
		checkTokenKey(key);
		const leaseKey = this.#keys.lease(key);
		const owner = crypto.randomUUID();
		// With durability the lease is on the replicas too: a failover must not hand it to a second process
		// while its holder is still writing a rotated token set.
		try {
			if ((await this.#durably(key, leaseKey, ACQUIRE_SCRIPT, owner, ttlMs)) !== 1) {
				return null;
			}
		} catch (error) {
			if (!(error instanceof TokenWriteNotDurableError)) throw error;
			await this.#client.eval(RELEASE_SCRIPT, 1, leaseKey, owner, this.#keys.channel(key)).catch(() => {});
			return null;
		}
		return {
			renew: async (renewTtlMs) => (await this.#durably(key, leaseKey, RENEW_SCRIPT, owner, renewTtlMs)) === 1,
			release: async () => {
				await this.#client.eval(RELEASE_SCRIPT, 1, leaseKey, owner, this.#keys.channel(key));
			},
		};
	}

	/**
	 * Reads the `issued-at` index from the cursor on. An entry whose record is gone (expired by its TTL, or a
	 * delete whose index update was lost) is removed from the index when met, and not listed.
	 */
	public listIdleKeys(issuedBefore: number, options: { limit: number; after?: IdleKey }): Promise<IdleKey[]> {
		return listIdleKeys(this.#client, this.#keys, issuedBefore, options);
	}

	/**
	 * Every stored connection, by `SCAN` (on a cluster, each primary in turn): pages of about `limit` keys, in
	 * no order. Tombstones are left out.
	 */
	public listKeys(options: { limit: number; cursor?: string | null }): Promise<{ keys: string[]; cursor: string | null }> {
		return listKeys(this.#client, this.#keys, options);
	}

	/** Connections in byte order of their keys, or of one status, through the connection index (see `indexConnections()`). */
	public listConnections(options: { limit: number; after?: string; status?: ConnectionStatus }): Promise<StoredConnection[]> {
		return listConnections(this.#client, this.#keys, options);
	}

	/** Connections whose outbox holds events, in byte order of their keys, through the outbox index. */
	public listPendingEvents(options: { limit: number; after?: string }): Promise<StoredConnection[]> {
		return listPendingEvents(this.#client, this.#keys, options);
	}

	/**
	 * Files every stored connection in the connection index, once, after upgrading from 0.2 (whose writes did not
	 * keep it); every write keeps it since. Safe to run while the store is in use, and more than once. Resolves
	 * how many it filed.
	 */
	public indexConnections(): Promise<number> {
		return indexAllConnections(this.#client, this.#keys, (key) => this.get(key));
	}

	/**
	 * Lets go of this store's channels on a shared `subscriber`, and closes the notification connection the store
	 * opened itself. `client`, and a `subscriber` you passed, stay open: they are yours.
	 */
	public async close(): Promise<void> {
		this.#closed = true;
		this.#unwatchAll();
		const own = this.#ownSubscriber;
		this.#ownSubscriber = undefined;
		if (own !== undefined) await own.quit().catch(() => own.disconnect());
	}

	/**
	 * Moves records written by atlassian-3lo 0.1 (`{prefix}tokens:{key}`, a JSON string) to this layout, once,
	 * after upgrading. Safe to run from several processes and more than once. Resolves how many it moved.
	 * Not for a cluster: run it against each primary (SCAN walks one node).
	 */
	public migrateLegacyRecords(): Promise<number> {
		return migrateLegacyRecords(this.#client, this.#keys, (key, tokens) => this.compareAndSet(key, 0, tokens));
	}
}
