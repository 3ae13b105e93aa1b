import { abortable } from "../internal/abortable.js";
import { checkTimerDuration, MAX_TIMER_MS } from "../internal/timer-duration.js";
import { ArcticFetchError } from "../oauth2/errors.js";
import { redactCause } from "../oauth2/redaction.js";
import type { OAuth2Tokens } from "../oauth2/tokens.js";
import type { RequestOptions } from "../oauth2/transport.js";
import { AccessTokenCache } from "./access-token-cache.js";
import { StoreCallBounds } from "./bounded-call.js";
import { type ConnectionInfo, connectionInfo } from "./connection.js";
import { listConnections, setDisabled } from "./connection-admin.js";
import { recordDeletion, saveSignedIn } from "./connection-writes.js";
import { EventOutbox } from "./event-outbox.js";
import { keepAlive } from "./keep-alive.js";
import { PendingWrites } from "./pending-writes.js";
import { type RefreshContext, readRefreshable } from "./refresh-context.js";
import { refreshUnderLease, tryLease } from "./refresh-lease.js";
import { mayResend, SettledSends } from "./reuse-window.js";
import { StoreAccess } from "./store-access.js";
import { checkTokenKey } from "./token-key.js";
import type {
	ConnectionPage,
	DrainConnectionEventsOptions,
	KeepAliveOptions,
	KeepAliveReport,
	ListConnectionsOptions,
	RefreshOptions,
	TokenManagerOptions,
	TokenRefresher,
} from "./token-manager-options.js";
import { isFresh, signedInTokenSet } from "./token-set.js";
import type { StoredTokenSet } from "./token-store.js";

/**
 * Keeps Atlassian connections alive in background jobs: refreshes access tokens before they expire, once per
 * connection at a time — across concurrent calls in this process (single-flight) and across processes (a
 * renewed lease in the store) — and makes every write a compare-and-set on the record's version, so a rotating
 * refresh token is never spent twice, never lost, and never written over newer data.
 *
 * This file is the public API. The refresh protocol: `refresh-lease.ts` (take the lease or wait for its
 * holder), `refresh-send.ts` (claim the send, send, classify a failure), `rotated-write.ts` (store the rotated
 * set); `pending-writes.ts` writes again what the store did not take; `token-set.ts` holds the token-set rules.
 */
export class TokenManager {
	readonly #context: RefreshContext;
	readonly #access: StoreAccess;
	readonly #pendingWrites = new PendingWrites();
	readonly #cache: AccessTokenCache | undefined;
	readonly #inFlight = new Map<string, Promise<StoredTokenSet>>();
	readonly #events: EventOutbox;
	readonly #storeTimeoutMs: number;

	constructor(provider: TokenRefresher, options: TokenManagerOptions) {
		const refreshWindowSeconds = options.refreshWindowSeconds ?? 300;
		if (!(refreshWindowSeconds >= 0 && Number.isFinite(refreshWindowSeconds))) {
			throw new TypeError(`refreshWindowSeconds must be a finite number of seconds, 0 or more, got ${String(refreshWindowSeconds)}`);
		}
		const leaseTtlMs = checkTimerDuration("leaseTtlMs", renamedOption(options, "leaseTtlMs", "lockTtlMs") ?? 30_000);
		if (!Number.isInteger(leaseTtlMs)) {
			throw new TypeError(`leaseTtlMs must be a whole number of ms, got ${leaseTtlMs}`);
		}
		const leaseWaitMs = checkTimerDuration(
			"leaseWaitMs",
			renamedOption(options, "leaseWaitMs", "lockWaitMs") ?? Math.min(2 * leaseTtlMs, MAX_TIMER_MS),
			0,
		);
		const refreshTimeoutMs = checkTimerDuration("refreshTimeoutMs", options.refreshTimeoutMs ?? 10_000);
		this.#storeTimeoutMs = checkTimerDuration("storeTimeoutMs", options.storeTimeoutMs ?? 5_000);
		const bounds = new StoreCallBounds(this.#storeTimeoutMs);
		const now = options.now ?? Date.now;
		const cacheMs = checkTimerDuration("cacheMs", options.cacheMs ?? 0, 0);
		const cacheSize = options.cacheSize ?? 10_000;
		if (!(Number.isSafeInteger(cacheSize) && cacheSize > 0)) {
			throw new TypeError(`cacheSize must be a whole number above 0, got ${String(cacheSize)}`);
		}
		this.#cache = cacheMs > 0 ? new AccessTokenCache(cacheMs, cacheSize) : undefined;
		this.#access = new StoreAccess(options.store, bounds, this.#cache, now);
		const events = new EventOutbox(
			options.onConnectionEvent,
			checkTimerDuration("connectionEventGraceMs", options.connectionEventGraceMs ?? 30_000, 0),
			{ access: this.#access, now, tryLease: (key) => tryLease({ access: this.#access, leaseTtlMs }, key) },
		);
		this.#events = events;
		this.#context = {
			provider,
			access: this.#access,
			hooks: options,
			leaseTtlMs,
			leaseWaitMs,
			refreshTimeoutMs,
			refreshWindowMs: refreshWindowSeconds * 1000,
			now,
			pendingWrites: this.#pendingWrites,
			settledSends: new SettledSends(),
			events,
			telemetry: options.telemetry,
		};
	}

	/**
	 * Stores the tokens of a new sign-in, replacing whatever was stored: a re-authorization mark, a record it
	 * cannot read (corrupt, or sealed with a lost key) and a deleted connection's tombstone included. A refresh
	 * of the old grant still in flight can no longer write over it.
	 */
	public async save(key: string, tokens: OAuth2Tokens, options?: RequestOptions): Promise<StoredTokenSet> {
		checkTokenKey(key);
		const stored = await saveSignedIn(this.#context, key, signedInTokenSet(tokens, this.#context.now()), options?.signal);
		this.#pendingWrites.delete(key);
		this.#cache?.remember(key, stored, this.#context.now(), true);
		return stored;
	}

	/** The stored token set (or a rotated one this process is still writing), or `null`. Does not refresh. */
	public async getTokenSet(key: string, options?: RequestOptions): Promise<StoredTokenSet | null> {
		checkTokenKey(key);
		const served = this.#pendingWrites.served(key);
		if (served !== undefined) return served;
		const stored = await this.#access.get(key, options?.signal);
		this.#events.found(key, stored);
		return stored;
	}

	/** A usable access token: the stored one, or a fresh one when it expires within the refresh window. */
	public async getAccessToken(key: string, options?: RequestOptions): Promise<string> {
		checkTokenKey(key);
		const served = this.#pendingWrites.served(key) ?? this.#cache?.get(key, this.#context.now());
		if (served !== undefined && served.disabledAt === undefined && this.#isFresh(served)) {
			return served.accessToken;
		}
		const stored = await readRefreshable(this.#context, key, options?.signal);
		if (stored.refreshSentAt === undefined && this.#isFresh(stored)) {
			return stored.accessToken;
		}
		return (await this.#singleFlight(key, stored.version, false, options)).accessToken;
	}

	/**
	 * Forces a refresh, e.g. after an API answered 401 (pass its token as `rejectedAccessToken`). Concurrent
	 * calls share one refresh.
	 */
	public async refresh(key: string, options?: RefreshOptions): Promise<StoredTokenSet> {
		checkTokenKey(key);
		this.#cache?.supersede(key);
		const rejected = options?.rejectedAccessToken;
		const served = this.#pendingWrites.served(key);
		if (rejected !== undefined && served !== undefined && served.accessToken !== rejected) {
			return served;
		}
		const stored = await readRefreshable(this.#context, key, options?.signal);
		if (rejected !== undefined && stored.refreshSentAt === undefined && stored.accessToken !== rejected) {
			return stored;
		}
		return this.#singleFlight(key, stored.version, true, options);
	}

	/** The connection's health and Atlassian's limits on it, without any token; `null` when nothing is stored under `key`. */
	public async getConnection(key: string, options?: RequestOptions): Promise<ConnectionInfo | null> {
		const stored = await this.getTokenSet(key, options);
		return stored === null ? null : connectionInfo(key, stored);
	}

	/**
	 * One page of the stored connections, in key order, of one `status` when given: a `ConnectionInfo` each (no
	 * token). Pass the page's `cursor` back for the next; a listing walked to the end returns every connection that
	 * existed throughout it exactly once. Needs a store with `listConnections` (memory, Redis and Postgres have it),
	 * which reads each page through an index.
	 */
	public listConnections(options: ListConnectionsOptions = {}): Promise<ConnectionPage> {
		return listConnections(this.#access, options);
	}

	/**
	 * Disables the connection: it is not refreshed or kept alive, and `getAccessToken()` / `refresh()` throw
	 * `ConnectionDisabledError`, until `enable()` or a new sign-in. Written under the connection's lease, so it
	 * never lands between a refresh's send and the write of its answer (which would lose the rotated token).
	 * Another process serving from its cache (`cacheMs`) sees it within `cacheMs`.
	 */
	public disable(key: string, options?: RequestOptions): Promise<ConnectionInfo> {
		checkTokenKey(key);
		this.#cache?.supersede(key);
		return setDisabled(this.#context, key, true, options?.signal);
	}

	/** Undoes `disable()`: the connection is refreshed and kept alive again. */
	public enable(key: string, options?: RequestOptions): Promise<ConnectionInfo> {
		checkTokenKey(key);
		this.#cache?.supersede(key);
		return setDisabled(this.#context, key, false, options?.signal);
	}

	/** Deletes the connection (the user clicked "Disconnect"). It stays deleted: a refresh in flight cannot write it back. */
	public async delete(key: string, options?: RequestOptions): Promise<void> {
		checkTokenKey(key);
		this.#pendingWrites.delete(key);
		// Until a new sign-in here, no read (not even one racing the delete) is served from memory again.
		this.#cache?.supersede(key, Number.POSITIVE_INFINITY);
		const access = this.#access;
		if (this.#events.enabled) await recordDeletion(this.#context, key, this.#storeTimeoutMs, options?.signal);
		await access.call(key, "delete", (call) => access.store.delete(key, call), options?.signal);
	}

	/**
	 * Tells every event this manager's writers left undelivered (their process died, or the hook threw) and that
	 * is older than `connectionEventGraceMs`, through the store's index of such records. `keepAlive()` runs it
	 * first; run it alone on start or from a frequent job when you rely on events. Resolves how many were told.
	 */
	public drainConnectionEvents(options: DrainConnectionEventsOptions = {}): Promise<number> {
		return this.#events.drain(options);
	}

	/**
	 * Refreshes connections nobody used for `idleDays`, so they outlive Atlassian's 90-day limit on unused
	 * refresh tokens. Run it from a daily job; it needs a store with `listIdleKeys` (memory, Redis and Postgres
	 * have it). It makes at most `limit` refreshes, and pages past what it cannot refresh (reported in
	 * `skipped`), so dead connections never take a live one's place. To cover more than `limit` connections in
	 * one run, call it again with the report's `cursor` until that is `null`.
	 */
	public async keepAlive(options: KeepAliveOptions = {}): Promise<KeepAliveReport> {
		const access = this.#access;
		const { now } = this.#context;
		// What a dead process left undelivered goes out first; a failure here must not cost the keep-alive.
		await this.#events.drain({ signal: options.signal }).catch(() => 0);
		return keepAlive(
			{
				store: access.store,
				now,
				call: (key, operation, call, signal) => access.call(key, operation, call, signal),
				read: (key, requestOptions) => this.getTokenSet(key, requestOptions),
				// Marked before stores kept such records out of the index: written again (same content), it leaves it.
				rewrite: (key, stored) => access.compareAndSet(key, stored.version, { ...stored, version: stored.version + 1 }),
				mayResend: (sentAt) => mayResend(sentAt, now()),
				refresh: (key, version, requestOptions) => this.#singleFlight(key, version, true, requestOptions),
			},
			options,
		);
	}

	/**
	 * One refresh per key in this process. The refresh belongs to no caller: a caller's signal only ends
	 * that caller's wait, because aborting a refresh Atlassian may already have performed would lose the
	 * rotated refresh token, and would fail the other callers sharing it.
	 */
	#singleFlight(key: string, seenVersion: number, force: boolean, options: RefreshOptions | undefined): Promise<StoredTokenSet> {
		const signal = options?.signal;
		if (signal?.aborted) {
			return Promise.reject(abortError(signal));
		}
		let pending = this.#inFlight.get(key);
		if (pending === undefined) {
			const context = this.#context;
			const refreshing = () => refreshUnderLease(context, key, seenVersion, force, options?.retryUnknownOutcome === true);
			pending = (context.telemetry === undefined ? refreshing() : context.telemetry.refresh(key, refreshing)).finally(() =>
				this.#inFlight.delete(key),
			);
			this.#inFlight.set(key, pending);
		}
		// The caller stops waiting when its signal aborts; the refresh itself carries on.
		return abortable(pending, signal, abortError);
	}

	#isFresh(tokens: StoredTokenSet): boolean {
		return isFresh(tokens, this.#context.now(), this.#context.refreshWindowMs);
	}
}

/** An option under its name or its deprecated one; both at once is a mistake worth hearing about. */
function renamedOption(
	options: TokenManagerOptions,
	name: "leaseTtlMs" | "leaseWaitMs",
	deprecated: "lockTtlMs" | "lockWaitMs",
): number | undefined {
	const value = options[name];
	const old = options[deprecated];
	if (value !== undefined && old !== undefined) {
		throw new TypeError(`Give ${name} only: ${deprecated} is its deprecated name`);
	}
	return value ?? old;
}

/** A caller's abort, as this package reports it: an `ArcticFetchError` whose cause is a sanitized copy of the reason. */
function abortError(signal: AbortSignal): ArcticFetchError {
	return new ArcticFetchError(redactCause(signal.reason, []));
}
