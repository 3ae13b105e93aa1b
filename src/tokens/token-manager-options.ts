import type { OAuth2RequestError } from "../oauth2/errors.js";
import type { Telemetry } from "../oauth2/telemetry.js";
import type { OAuth2Tokens } from "../oauth2/tokens.js";
import type { RequestOptions } from "../oauth2/transport.js";
import type { ConnectionInfo } from "./connection.js";
import type { ConnectionEvent } from "./connection-event.js";
import type { ConnectionStatus, StoredTokenSet, TokenStore } from "./token-store.js";

// The shapes TokenManager's public methods take and give: its options, and those of refresh() and keepAlive().

export interface TokenManagerOptions {
	store: TokenStore;
	/** Refresh when the access token expires within this many seconds. Default 300. */
	refreshWindowSeconds?: number;
	/**
	 * The refresh lease's time to live, in ms. Default 30 000. The holder renews it every third of this while
	 * its refresh request and write are in flight, so it only expires when the holder died or lost the store.
	 */
	leaseTtlMs?: number;
	/** How long to wait for another process's refresh before giving up with `TokenLeaseTimeoutError`. Default: 2 × `leaseTtlMs`. */
	leaseWaitMs?: number;
	/** @deprecated Renamed `leaseTtlMs`; this alias goes in 0.3. */
	lockTtlMs?: number;
	/** @deprecated Renamed `leaseWaitMs`; this alias goes in 0.3. */
	lockWaitMs?: number;
	/**
	 * The longest one refresh request may take, in ms. Default 10 000 (Atlassian answers in well under a second). It is given up then, and sooner if its lease
	 * can no longer be renewed. Its deadline is recorded with the sent mark: a process that takes over after this
	 * one died or stalled does not send the same refresh token again until the deadline has passed by 5 s, so two
	 * sends of one refresh token are never in flight at once. Keep it at or below your fetch timeout.
	 */
	refreshTimeoutMs?: number;
	/** The longest any one store call may take before it fails with `TokenStoreTimeoutError`. Default 5 000. */
	storeTimeoutMs?: number;
	/** The clock, epoch ms, for expiry, consent and idle times. Default `Date.now`; tests pair it with the emulator's `advanceTime()`. */
	now?: () => number;
	/**
	 * Serve `getAccessToken()` from this process's memory for up to this many ms after the token set was last read
	 * from (or written to) the store, while it is outside the refresh window. Default 0: every call reads the store.
	 * This process's own `refresh()`, `save()`, `delete()` and refusals take effect at once; another process's
	 * `delete()` is seen within `cacheMs` (its refreshes never invalidate a cached access token, which Atlassian
	 * keeps honouring until it expires).
	 */
	cacheMs?: number;
	/** The most connections the cache holds; past it, the one remembered longest ago is dropped. Default 10 000. */
	cacheSize?: number;
	/**
	 * Called after a refreshed token set is stored, e.g. to mirror it elsewhere or count refreshes. It receives
	 * the new access and refresh tokens in clear: never log what it receives (log the key, or `expiresAt`).
	 */
	onRefresh?: (key: string, tokens: StoredTokenSet) => void | Promise<void>;
	/** Called when a refresh this process sent failed, whatever the reason. Errors it throws are ignored. */
	onRefreshFailed?: (key: string, error: unknown) => void;
	/** Called when Atlassian refused the refresh token (`invalid_grant`): tell the user to reconnect. Errors it throws are ignored. */
	onReauthorizationRequired?: (key: string, error: OAuth2RequestError) => void;
	/**
	 * Called each time writing a rotated token set fails. The set is kept in this process's memory, served to its
	 * callers and written again with backoff until the store takes it. Alert on it. Errors it throws are ignored.
	 * The error is a sanitized copy of the store's (name, message, `code`, stack), without the tokens it was writing.
	 */
	onStoreWriteFailed?: (key: string, error: unknown, attempt: number) => void;
	/**
	 * Called for each change to a connection — connected, degraded, recovered, reauthorization_required, disabled,
	 * enabled, deleted — once for the whole fleet: by the process whose write made the change. The event is kept
	 * with the record until this hook has returned (or its promise resolved), so none is lost: if that process
	 * dies first, or the hook throws, another manager tells it again after `connectionEventGraceMs`, with the same
	 * `id` (drop duplicates by it). `refreshed` is a notice told once by the refreshing process, not kept. No token
	 * is in an event. A slow or failing hook never holds up or fails a refresh. Give every manager the same hook.
	 */
	onConnectionEvent?: (event: ConnectionEvent) => void | Promise<void>;
	/**
	 * Instrumentation of refreshes and lease waits, e.g. `openTelemetry()` from `atlassian-3lo/otel` (give the same
	 * one to `Atlassian` for its requests). Default: none, and nothing of it runs.
	 */
	telemetry?: Telemetry;
	/**
	 * How old an undelivered event must be before another manager (or this one) tells it again, in ms. Default
	 * 30 000. Keep it above your hook's usual time: a hook still running past it may be told twice.
	 */
	connectionEventGraceMs?: number;
}

export interface RefreshOptions extends RequestOptions {
	/**
	 * Resend a refresh token whose earlier refresh has an unknown outcome even outside Atlassian's reuse window
	 * (see `RefreshOutcomeUnknownError`): it works if that refresh never reached Atlassian, and revokes the grant if it did.
	 */
	retryUnknownOutcome?: boolean;
	/**
	 * The access token an API just refused with 401. When the current token set holds another one (a
	 * concurrent caller or another process refreshed meanwhile), that set is returned and nothing is sent;
	 * so N callers that see a 401 together cause one refresh, not N.
	 */
	rejectedAccessToken?: string;
}

export interface KeepAliveOptions extends RequestOptions {
	/** Refresh connections whose refresh token is older than this. Default 30, well before Atlassian's 90 days. */
	idleDays?: number;
	/** At most this many refreshes per call (refreshed and failed); connections skipped do not count. Default 100. */
	limit?: number;
	/** Where an earlier call stopped (its report's `cursor`): this call goes on from there. Default: from the oldest. */
	cursor?: string | null;
}

export interface KeepAliveReport {
	refreshed: string[];
	failed: { key: string; error: unknown }[];
	/**
	 * Listed as idle, but not refreshed, and not counted against `limit`:
	 * - `not_found`: deleted, or gone from the store;
	 * - `reauthorization_required`: Atlassian refused its refresh token earlier; it leaves the idle index;
	 * - `not_idle`: refreshed since the index was written;
	 * - `refresh_outcome_unknown`: a refresh whose answer was lost, past Atlassian's reuse window (see `RefreshOutcomeUnknownError`);
	 * - `unreadable`: the record is corrupt, or sealed with a key this process does not have;
	 * - `disabled`: `disable()` was called on it.
	 */
	skipped: {
		key: string;
		reason: "not_found" | "reauthorization_required" | "not_idle" | "refresh_outcome_unknown" | "unreadable" | "disabled";
	}[];
	/** Where this call stopped after `limit` refreshes: pass it as `cursor` to go on. `null` when it reached the end of the idle list. */
	cursor: string | null;
}

export interface DrainConnectionEventsOptions extends RequestOptions {
	/** At most this many connections with pending events are looked at. Default 10 000. */
	limit?: number;
}

export interface ListConnectionsOptions extends RequestOptions {
	/** Only connections of this status. Default: all. */
	status?: ConnectionStatus;
	/** Where the previous page stopped (its `cursor`). Default: from the first. */
	cursor?: string | null;
	/** At most this many connections a page, 1 to 1 000. Default 100. */
	limit?: number;
}

export interface ConnectionPage {
	connections: ConnectionInfo[];
	/** Pass it as `cursor` for the next page; `null` when this page is the last. */
	cursor: string | null;
}

/** What the manager needs of a provider: `Atlassian` and `OAuth2Client` have it. */
export interface TokenRefresher {
	refreshAccessToken(refreshToken: string, options?: RequestOptions): Promise<OAuth2Tokens>;
}
