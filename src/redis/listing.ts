import type { Cluster, Redis } from "ioredis";
import { type IdleKey, isStoredTokenSet, type StoredTokenSet } from "../tokens/token-store.js";
import { FORGET_IDLE_SCRIPT } from "./scripts.js";

/**
 * The one definition of RedisTokenStore's key layout (a contract: changing it strands stored tokens). Every key of
 * a connection carries the hash tag `{key}`, so each script touches one slot; the idle index has a slot of its own.
 */
export class RedisKeyLayout {
	constructor(public readonly prefix: string) {}

	/** The connection's record: a hash of `v` (version) and `d` (the token set as JSON). */
	record(key: string): string {
		return `${this.prefix}{${key}}:tokens`;
	}

	/** The connection's refresh lease. */
	lease(key: string): string {
		return `${this.prefix}{${key}}:lease`;
	}

	/** The pub/sub channel every write, delete and released lease of the connection publishes on. */
	channel(key: string): string {
		return `${this.prefix}{${key}}:changed`;
	}

	/** The keep-alive index: a sorted set of keys by when their refresh token was issued. */
	get index(): string {
		return `${this.prefix}issued-at`;
	}

	/** The connection index (0.3): every stored connection, as members of one score, in byte order. */
	get connections(): string {
		return `${this.prefix}{connections}:all`;
	}

	/** The connection index by status (0.3): `status NUL key` members, in the same slot as `connections`. */
	get connectionStatuses(): string {
		return `${this.prefix}{connections}:status`;
	}

	/** The connections whose outbox holds events (0.3), for `listPendingEvents()`: in the same slot as `connections`. */
	get pendingEvents(): string {
		return `${this.prefix}{connections}:outbox`;
	}
}

/** RedisTokenStore.listIdleKeys: the index from `after` on, with entries whose record is gone removed when met. */
export async function listIdleKeys(
	client: Redis | Cluster,
	keys: RedisKeyLayout,
	issuedBefore: number,
	options: { limit: number; after?: IdleKey },
): Promise<IdleKey[]> {
	const { limit, after } = options;
	const found: IdleKey[] = [];
	let offset = 0;
	while (found.length < limit) {
		const raw = await client.zrangebyscore(
			keys.index,
			after === undefined ? "-inf" : after.issuedAt,
			`(${issuedBefore}`,
			"WITHSCORES",
			"LIMIT",
			offset,
			limit,
		);
		const entries: { key: string; score: string }[] = [];
		for (let index = 0; index < raw.length; index += 2) entries.push({ key: raw[index] as string, score: raw[index + 1] as string });
		// Ties on the cursor's time are ordered by key, byte by byte, as Redis orders them.
		const next = entries.filter(({ key, score }) => after === undefined || Number(score) > after.issuedAt || byteOrder(key, after.key) > 0);
		const present = await Promise.all(next.map(({ key }) => client.hexists(keys.record(key), "d")));
		let forgotten = 0;
		for (const [index, entry] of next.entries()) {
			if (present[index] === 1) {
				found.push({ key: entry.key, issuedAt: Number(entry.score) });
			} else {
				forgotten += Number(await client.eval(FORGET_IDLE_SCRIPT, 1, keys.index, entry.key, entry.score).catch(() => 0));
			}
		}
		if (entries.length < limit) break;
		offset += entries.length - forgotten;
	}
	return found.slice(0, limit);
}

/** RedisTokenStore.listKeys: every live record, by SCAN, node after node on a cluster. */
export async function listKeys(
	client: Redis | Cluster,
	keys: RedisKeyLayout,
	options: { limit: number; cursor?: string | null },
): Promise<{ keys: string[]; cursor: string | null }> {
	const nodes = isCluster(client) ? client.nodes("master") : [client as Redis];
	const [nodeText = "0", scanCursor = "0"] = (options.cursor ?? "0:0").split(":");
	const nodeIndex = Number(nodeText);
	const node = nodes[nodeIndex];
	if (node === undefined) {
		return { keys: [], cursor: null };
	}
	const [nextCursor, redisKeys] = await node.scan(scanCursor, "MATCH", `${escapeGlob(keys.prefix)}{*}:tokens`, "COUNT", options.limit);
	const found = redisKeys.map((redisKey) => redisKey.slice(keys.prefix.length + 1, -"}:tokens".length));
	const live = await Promise.all(found.map((key) => client.hexists(keys.record(key), "d")));
	const cursor = nextCursor !== "0" ? `${nodeIndex}:${nextCursor}` : nodeIndex + 1 < nodes.length ? `${nodeIndex + 1}:0` : null;
	return { keys: found.filter((_, index) => live[index] === 1), cursor };
}

/** RedisTokenStore.migrateLegacyRecords: 0.1's `{prefix}tokens:{key}` strings moved in by `moveIn` (a first write). */
export async function migrateLegacyRecords(
	client: Redis | Cluster,
	keys: RedisKeyLayout,
	moveIn: (key: string, tokens: StoredTokenSet) => Promise<boolean>,
): Promise<number> {
	const legacyPrefix = `${keys.prefix}tokens:`;
	let moved = 0;
	let cursor = "0";
	do {
		const [next, found] = await (client as Redis).scan(cursor, "MATCH", `${escapeGlob(legacyPrefix)}*`, "COUNT", 200);
		cursor = next;
		for (const legacyKey of found) {
			const raw = await client.get(legacyKey).catch(() => null);
			let parsed: unknown;
			try {
				parsed = raw === null ? null : JSON.parse(raw);
			} catch {
				continue;
			}
			const key = legacyKey.slice(legacyPrefix.length);
			if (isStoredTokenSet(parsed) && (await moveIn(key, parsed))) moved++;
			// Moved now, or by another process, or superseded by a newer sign-in: the old copy is no longer needed.
			if (isStoredTokenSet(parsed)) await client.del(legacyKey);
		}
	} while (cursor !== "0");
	return moved;
}

function isCluster(client: Redis | Cluster): client is Cluster {
	return (client as { isCluster?: boolean }).isCluster === true;
}

/** Compares two keys as Redis orders sorted-set members of one score: by their UTF-8 bytes. */
function byteOrder(a: string, b: string): number {
	return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function escapeGlob(text: string): string {
	return text.replace(/[*?[\]\\]/g, "\\$&");
}
