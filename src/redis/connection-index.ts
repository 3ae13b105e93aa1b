import type { Cluster, Redis } from "ioredis";
import {
	type ConnectionStatus,
	checkListLimit,
	connectionStatus,
	parseStoredRecord,
	type StoredConnection,
	type StoredTokenSet,
} from "../tokens/token-store.js";
import { listKeys, type RedisKeyLayout } from "./listing.js";
import { INDEX_CONNECTION_SCRIPT } from "./scripts.js";

// RedisTokenStore's connection index, for listConnections(): two sorted sets in one slot of their own, kept by a
// script after each write. Like the idle index it cannot join the record's script on a cluster; it is a hint that
// every listing checks against the records, repairing what it finds out of date.

/** Files `key` under its set's status in the index, and in the outbox index while it has events; or takes it out (`null`: deleted or gone). */
export function indexConnection(
	client: Redis | Cluster,
	keys: RedisKeyLayout,
	key: string,
	tokens: StoredTokenSet | null,
): Promise<unknown> {
	const status = tokens === null ? "" : connectionStatus(tokens);
	const pending = tokens?.pendingEvents === undefined ? "" : "1";
	return client.eval(INDEX_CONNECTION_SCRIPT, 3, keys.connections, keys.connectionStatuses, keys.pendingEvents, key, status, pending);
}

/** RedisTokenStore.listConnections: pages of the index in byte order, each connection read and checked. */
export function listConnections(
	client: Redis | Cluster,
	keys: RedisKeyLayout,
	options: { limit: number; after?: string; status?: ConnectionStatus },
): Promise<StoredConnection[]> {
	const { limit, status } = options;
	const members =
		status === undefined
			? (after: string | undefined) => client.zrangebylex(keys.connections, after === undefined ? "-" : `(${after}`, "+", "LIMIT", 0, limit)
			: async (after: string | undefined) =>
					(
						await client.zrangebylex(
							keys.connectionStatuses,
							after === undefined ? `[${status}\u0000` : `(${status}\u0000${after}`,
							`(${status}\u0001`,
							"LIMIT",
							0,
							limit,
						)
					).map((member) => member.slice(status.length + 1));
	// Moved on since it was filed (another status): the index is set right, and the listing goes on.
	return walkIndex(client, keys, options, members, (tokens) => status === undefined || connectionStatus(tokens) === status);
}

/** RedisTokenStore.listPendingEvents: pages of the outbox index in byte order, each record read, those without events set right. */
export function listPendingEvents(
	client: Redis | Cluster,
	keys: RedisKeyLayout,
	options: { limit: number; after?: string },
): Promise<StoredConnection[]> {
	const members = (after: string | undefined) =>
		client.zrangebylex(keys.pendingEvents, after === undefined ? "-" : `(${after}`, "+", "LIMIT", 0, options.limit);
	return walkIndex(client, keys, options, members, (tokens) => tokens.pendingEvents !== undefined);
}

/**
 * Pages of one of the connection index's sets, each member's record read and checked: a record gone (deleted,
 * expired by its TTL) or that no longer `belongs` is set right in the index and skipped, so a page is still full.
 * A record it cannot read is left out: `get()` reports it.
 */
async function walkIndex(
	client: Redis | Cluster,
	keys: RedisKeyLayout,
	options: { limit: number; after?: string },
	members: (after: string | undefined) => Promise<string[]>,
	belongs: (tokens: StoredTokenSet) => boolean,
): Promise<StoredConnection[]> {
	const { limit } = options;
	checkListLimit(limit);
	const found: StoredConnection[] = [];
	let after = options.after;
	for (;;) {
		const page = await members(after);
		const records = await Promise.all(page.map((key) => readRecord(client, keys, key)));
		for (const [index, key] of page.entries()) {
			const tokens = records[index];
			if (tokens === undefined) continue;
			if (tokens === null || !belongs(tokens)) {
				await indexConnection(client, keys, key, tokens).catch(() => {});
				continue;
			}
			found.push({ key, tokens });
		}
		if (page.length < limit || found.length >= limit) break;
		after = page.at(-1);
	}
	return found.slice(0, limit);
}

/** RedisTokenStore.indexConnections: every stored connection filed under its status; how many were. */
export async function indexAllConnections(
	client: Redis | Cluster,
	keys: RedisKeyLayout,
	read: (key: string) => Promise<StoredTokenSet | null>,
): Promise<number> {
	let filed = 0;
	let cursor: string | null = null;
	do {
		const page: { keys: string[]; cursor: string | null } = await listKeys(client, keys, { limit: 500, cursor });
		for (const key of page.keys) {
			const tokens = await read(key).catch(() => null);
			if (tokens !== null && (await indexConnection(client, keys, key, tokens).catch(() => null)) !== null) filed++;
		}
		cursor = page.cursor;
	} while (cursor !== null);
	return filed;
}

/** The record of `key`: its set, `null` when there is none, `undefined` when it cannot be read. */
async function readRecord(client: Redis | Cluster, keys: RedisKeyLayout, key: string): Promise<StoredTokenSet | null | undefined> {
	const [version, data] = await client.hmget(keys.record(key), "v", "d");
	if (data === null || data === undefined) return null;
	try {
		return parseStoredRecord(key, data, version);
	} catch {
		return undefined;
	}
}
