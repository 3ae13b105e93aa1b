import { CorruptTokenRecordError } from "./errors.js";

/** What a `TokenStore` keeps for one connection (one user's grant). */
export interface StoredTokenSet {
	accessToken: string;
	/** `null` when the grant has no `offline_access`: the connection ends when the access token expires. */
	refreshToken: string | null;
	/** Access-token expiry, epoch milliseconds. */
	expiresAt: number;
	scopes: string[];
	/** Set after Atlassian refused the refresh token (`invalid_grant`): only a new sign-in (`save()`) clears it. */
	reauthorizationRequired?: boolean;
	/**
	 * The record's version: every write `TokenManager` makes is a compare-and-set from the version it read,
	 * so a write made on stale knowledge (a paused process, a delete, a new sign-in meanwhile) is refused.
	 */
	version: number;
	/** When the user consented (the sign-in this grant came from), epoch ms. Atlassian ends a grant's refresh tokens 365 days after it. */
	consentedAt?: number;
	/** When this refresh token was issued (sign-in or refresh), epoch ms. Atlassian ends a refresh token unused for 90 days. */
	issuedAt?: number;
	/**
	 * Set, before a refresh is sent, to when this refresh token was first sent; cleared when the answer is stored.
	 * While it is set, Atlassian may have rotated the token without the answer reaching us: inside Atlassian's
	 * 10-minute reuse window the same refresh token may be sent again.
	 */
	refreshSentAt?: number;
	/**
	 * Set with `refreshSentAt`, to when the send in flight is given up (epoch ms): its request is aborted by then.
	 * No process sends this refresh token again before this moment has passed, plus a margin for clock skew and
	 * stalls, so two sends of one refresh token are never in flight at once.
	 */
	refreshDeadline?: number;
	/** Set by `TokenManager.disable()`, epoch ms: the connection is not refreshed or kept alive until `enable()` or a new sign-in. */
	disabledAt?: number;
	/** Refreshes that failed in a row since the last success (or sign-in); absent when none did. */
	consecutiveFailures?: number;
	/** When the last refresh failed, epoch ms. */
	lastFailureAt?: number;
	/** What the last failed refresh met (see `ConnectionErrorKind`). */
	lastErrorKind?: ConnectionErrorKind;
	/**
	 * The record's outbox: changes of status written with it and not yet told to `onConnectionEvent`. The writer
	 * tells them and clears them; if it died first, another manager finds them and tells them again (same `id`).
	 */
	pendingEvents?: PendingConnectionEvent[];
}

/** The kinds of `ConnectionEvent`. */
export type ConnectionEventType =
	| "connected"
	| "refreshed"
	| "degraded"
	| "recovered"
	| "reauthorization_required"
	| "disabled"
	| "enabled"
	| "deleted";

const EVENT_TYPES: readonly unknown[] = [
	"connected",
	"refreshed",
	"degraded",
	"recovered",
	"reauthorization_required",
	"disabled",
	"enabled",
	"deleted",
];

/** Why a connection is not active: a failing refresh, a refused or ended grant, or `disable()`. */
export type ConnectionReason = "refresh_failing" | "invalid_grant" | "grant_expired" | "disabled";

/** An event kept with its record until delivered (the record's outbox); its key is the record's own. */
export interface PendingConnectionEvent {
	/** Unique. A redelivery (the writing process died before its hook finished) carries the same one: drop duplicates by it. */
	id: string;
	type: ConnectionEventType;
	/** When the write landed, epoch ms (the manager's `now`). */
	at: number;
	/** The connection's status after the write; `"deleted"` once it is gone. */
	status: ConnectionStatus | "deleted";
	/** Why it is not active (as `ConnectionInfo.reason`); absent when it is active or deleted. */
	reason?: ConnectionReason;
}

function isPendingEventList(value: unknown): boolean {
	return (
		Array.isArray(value) &&
		value.every((event) => {
			const { id, type, at, status } = (event ?? {}) as Record<string, unknown>;
			return (
				typeof id === "string" && EVENT_TYPES.includes(type) && typeof at === "number" && Number.isFinite(at) && typeof status === "string"
			);
		})
	);
}

/** What a failed refresh met: no answer, a late one, a 5xx, a 429, Atlassian's refusal of the grant, or a refusal of the app itself (client id or secret, URL). */
export type ConnectionErrorKind = "network" | "timeout" | "server" | "rate_limited" | "invalid_grant" | "client_config";

const ERROR_KINDS: readonly unknown[] = ["network", "timeout", "server", "rate_limited", "invalid_grant", "client_config"];

/**
 * - `active`: refreshes work;
 * - `degraded`: the last refresh failed for a reason that may pass (network, timeout, 5xx, 429) or that is the
 *   app's to fix (client id or secret); the next success makes it `active` again;
 * - `reauthorization_required`: Atlassian refused the grant; only a new sign-in (`save()`) fixes it;
 * - `disabled`: `disable()` was called; never refreshed or kept alive until `enable()` or a new sign-in.
 */
export type ConnectionStatus = "active" | "degraded" | "reauthorization_required" | "disabled";

export const CONNECTION_STATUSES: readonly ConnectionStatus[] = ["active", "degraded", "disabled", "reauthorization_required"];

/** The one rule for a connection's status, read from its stored set; stores index connections by it. */
export function connectionStatus(tokens: StoredTokenSet): ConnectionStatus {
	if (tokens.disabledAt !== undefined) return "disabled";
	if (tokens.reauthorizationRequired === true) return "reauthorization_required";
	return (tokens.consecutiveFailures ?? 0) > 0 ? "degraded" : "active";
}

/** The page sizes `listConnections()` takes: a whole number from 1 to 1 000. */
export function checkListLimit(limit: number): void {
	if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1_000)) {
		throw new TypeError(`limit must be a whole number from 1 to 1000, got ${String(limit)}`);
	}
}

/** One page of `TokenStore.listConnections()`: a connection and its stored set. */
export interface StoredConnection {
	key: string;
	tokens: StoredTokenSet;
}

/**
 * Whether the connection belongs in the keep-alive index: not marked for re-authorization, not disabled. The one
 * rule every store applies when it writes a set.
 */
export function mayKeepAlive(tokens: StoredTokenSet): boolean {
	return tokens.reauthorizationRequired !== true && tokens.disabledAt === undefined;
}

/** One entry of the keep-alive index: a connection, and when its refresh token was issued (epoch ms). */
export interface IdleKey {
	key: string;
	issuedAt: number;
}

/** Options every store call takes: the manager bounds each call and passes its signal on. */
export interface TokenStoreCallOptions {
	signal?: AbortSignal;
}

/**
 * A held refresh lease: it expires by itself unless renewed, so a crashed holder cannot block a connection.
 * Both calls act only if the lease is still this holder's: an expired lease taken over by another process is left alone.
 */
export interface TokenStoreLease {
	/** Extends the lease to `ttlMs` from now. Resolves `false` when this holder no longer has it. */
	renew(ttlMs: number, options?: TokenStoreCallOptions): Promise<boolean>;
	release(options?: TokenStoreCallOptions): Promise<void>;
}

/**
 * Where `TokenManager` keeps token sets, and how processes take turns refreshing them.
 * `MemoryTokenStore` serves one process; `RedisTokenStore` (`atlassian-3lo/redis`) serves many.
 *
 * Versions: a key that was never written has version 0; every write sets the version the writer chose
 * (higher than the one it replaces), and `delete()` leaves a tombstone one version higher, so versions
 * never go back and a write based on what was there before the delete is refused.
 */
export interface TokenStore {
	/** The stored set, or `null` when there is none (never written, or deleted). Rejects a record it cannot read. */
	get(key: string, options?: TokenStoreCallOptions): Promise<StoredTokenSet | null>;
	/** The record's version: 0 when never written; a deleted connection keeps counting; readable even when `get()` cannot read the record. */
	getVersion(key: string, options?: TokenStoreCallOptions): Promise<number>;
	/**
	 * Atomically stores `tokens` only if the record's version is still `expectedVersion` (a tombstone's version
	 * counts), and resolves whether it did. `tokens.version` is higher than `expectedVersion`, or equal to it
	 * for a rewrite that changes no content (re-encryption).
	 */
	compareAndSet(key: string, expectedVersion: number, tokens: StoredTokenSet, options?: TokenStoreCallOptions): Promise<boolean>;
	/** Deletes the connection, leaving a tombstone one version higher: a refresh in flight cannot write it back. */
	delete(key: string, options?: TokenStoreCallOptions): Promise<void>;
	/** Tries once to take the refresh lease of `key` for `ttlMs`; resolves `null` at once if another holder has it. */
	acquireLease(key: string, ttlMs: number, options?: TokenStoreCallOptions): Promise<TokenStoreLease | null>;
	/**
	 * Optional, for `TokenManager.keepAlive()`: up to `limit` live connections whose refresh token was issued
	 * before `issuedBefore` (epoch ms), in (`issuedAt`, key) order, strictly after `after` when it is given.
	 * A deleted connection, and one marked `reauthorizationRequired`, are not listed: they leave the index when
	 * written. An index may lag behind the records; the manager re-reads each one.
	 */
	listIdleKeys?(issuedBefore: number, options: TokenStoreCallOptions & { limit: number; after?: IdleKey }): Promise<IdleKey[]>;
	/**
	 * Optional, for maintenance such as `encryptedTokenStore`'s `resealAll()`: every stored connection (deleted
	 * ones excepted), a page of at most `limit` keys at a time, in no promised order. Pass the returned `cursor`
	 * back for the next page; `null` means the listing is complete. Keys written during a listing may be missed.
	 */
	listKeys?(options: TokenStoreCallOptions & { limit: number; cursor?: string | null }): Promise<{ keys: string[]; cursor: string | null }>;
	/**
	 * Optional, for `TokenManager.listConnections()`: up to `limit` stored connections (deleted ones excepted) in
	 * key order, strictly after the key `after` when it is given, only those whose `connectionStatus()` is
	 * `status` when it is given. Each page is read through an index, never by scanning every connection, and a
	 * listing walked page by page returns every connection that existed throughout it exactly once. A wrapping
	 * store may hand the tokens sealed (`encryptedTokenStore` does): a listing is read for everything but them.
	 * A record the store cannot read (corrupt) is left out of every listing; `get()` reports it.
	 */
	listConnections?(
		options: TokenStoreCallOptions & { limit: number; after?: string; status?: ConnectionStatus },
	): Promise<StoredConnection[]>;
	/**
	 * Optional, for `onConnectionEvent`: up to `limit` stored connections whose record holds `pendingEvents` (its
	 * outbox is not empty), in key order, strictly after the key `after` when it is given. Read through an index of
	 * such records, never by scanning every connection: in fair weather it is nearly empty. An index may lag behind
	 * the records: a listed record may have no pending event left. Without it, events a dead process left are
	 * still told again, when a manager next reads their connection.
	 */
	listPendingEvents?(options: TokenStoreCallOptions & { limit: number; after?: string }): Promise<StoredConnection[]>;
	/**
	 * Optional: lets go of what the store added to connections it shares (notification listeners and
	 * subscriptions). It never closes the client you gave it. The store answers no `watch()` after it.
	 */
	close?(): Promise<void>;
	/**
	 * Optional: calls `listener` whenever `key`'s record or lease may have changed, in any process — a write, a
	 * delete, a released lease — so that a process waiting for another's refresh wakes at once instead of polling.
	 * Returns the function that stops it. Notifications may be lost (a dropped connection): waiters keep polling,
	 * less often, as a fallback. Spurious calls are harmless.
	 */
	watch?(key: string, listener: () => void): () => void;
}

const optionalTime = (value: unknown) => value === undefined || (typeof value === "number" && Number.isFinite(value));

/** Checks a value read back from (or about to be written to) a store, so a corrupt or foreign record is an error rather than a token. */
export function isStoredTokenSet(value: unknown): value is StoredTokenSet {
	if (typeof value !== "object" || value === null) {
		return false;
	}
	const record = value as Record<string, unknown>;
	return (
		typeof record.accessToken === "string" &&
		(record.refreshToken === null || typeof record.refreshToken === "string") &&
		typeof record.expiresAt === "number" &&
		Number.isFinite(record.expiresAt) &&
		Array.isArray(record.scopes) &&
		record.scopes.every((scope) => typeof scope === "string") &&
		(record.reauthorizationRequired === undefined || typeof record.reauthorizationRequired === "boolean") &&
		Number.isSafeInteger(record.version) &&
		optionalTime(record.consentedAt) &&
		optionalTime(record.issuedAt) &&
		optionalTime(record.refreshSentAt) &&
		optionalTime(record.refreshDeadline) &&
		optionalTime(record.disabledAt) &&
		optionalTime(record.lastFailureAt) &&
		(record.consecutiveFailures === undefined ||
			(Number.isSafeInteger(record.consecutiveFailures) && (record.consecutiveFailures as number) >= 0)) &&
		(record.lastErrorKind === undefined || ERROR_KINDS.includes(record.lastErrorKind)) &&
		(record.pendingEvents === undefined || isPendingEventList(record.pendingEvents))
	);
}

/**
 * A stored record read back: the token set's JSON and its version, kept apart by stores that fence on the
 * version. A record that is not JSON, or not a token set, is a `CorruptTokenRecordError` — never a token.
 */
export function parseStoredRecord(key: string, json: string, version: unknown): StoredTokenSet {
	let parsed: Record<string, unknown>;
	try {
		parsed = JSON.parse(json);
		// Set on the parsed object rather than spread into a copy: on a cached Redis read the copy costs 7 %.
		parsed.version = Number(version);
	} catch {
		throw new CorruptTokenRecordError(key);
	}
	if (!isStoredTokenSet(parsed)) {
		throw new CorruptTokenRecordError(key);
	}
	return parsed;
}
