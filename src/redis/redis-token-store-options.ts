import type { Cluster, Redis } from "ioredis";

export interface RedisTokenStoreOptions {
	/** An ioredis client — e.g. the one your BullMQ queues already use — or an ioredis `Cluster`. */
	client: Redis | Cluster;
	/** Key prefix. Default `"atlassian-3lo:"`. */
	prefix?: string;
	/**
	 * How long a token set (or a deleted connection's tombstone) lives without being written, in ms. Default
	 * 90 days: Atlassian refresh tokens die after 90 days unused, so a record older than that is dead anyway.
	 * Every refresh renews it.
	 */
	ttlMs?: number;
	/**
	 * After each write, `WAIT` until `replicas` replicas have it, for up to `timeoutMs`; fewer is a
	 * `TokenWriteNotDurableError` (the write is on the primary, but a failover could erase it). Turn it on
	 * when Redis has replicas that can be promoted (Sentinel, Cluster, managed failover). Default: off.
	 */
	durability?: { replicas: number; timeoutMs: number };
	/**
	 * Where notifications come from: a process waiting for another's refresh is woken by a Redis message the
	 * moment the new token set is stored or the lease released, instead of polling. Default: a connection of the
	 * store's own, `client.duplicate()`, opened on the first wait and closed by `close()` or when `client` ends.
	 * Pass a connection to share one among stores (any number of stores get one `message` listener on it; close it
	 * yourself), or `false` to poll. A subscribed connection can run nothing else, so it cannot be `client`. When
	 * it drops, waiters poll until ioredis has reconnected and subscribed again.
	 */
	subscriber?: Redis | Cluster | false;
}
