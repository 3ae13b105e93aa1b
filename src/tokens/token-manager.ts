import { abortable, deadlineSignal } from "../internal/abortable.js";
import { sleep } from "../internal/sleep.js";
import { checkTimerDuration, MAX_TIMER_MS } from "../internal/timer-duration.js";
import { ArcticFetchError, OAuth2RequestError } from "../oauth2/errors.js";
import { isReauthorizationRequired } from "../oauth2/reauthorization.js";
import { redactCause } from "../oauth2/redaction.js";
import type { OAuth2Tokens } from "../oauth2/tokens.js";
import type { RequestOptions } from "../oauth2/transport.js";
import { AccessTokenCache } from "./access-token-cache.js";
import { StoreCallBounds } from "./bounded-call.js";
import { RefreshOutcomeUnknownError, TokenLockTimeoutError, TokenNotFoundError, type TokenWriteNotDurableError } from "./errors.js";
import { keepAlive } from "./keep-alive.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { withoutTokens } from "./safe-error.js";
import { checkTokenKey } from "./token-key.js";
import type { KeepAliveOptions, KeepAliveReport, RefreshOptions, TokenManagerOptions, TokenRefresher } from "./token-manager-options.js";
import { isStoredTokenSet, type StoredTokenSet, type TokenStore, type TokenStoreCallOptions, type TokenStoreLease } from "./token-store.js";
import { Wakeup } from "./wakeup.js";

/** Atlassian lets the immediately previous refresh token be exchanged again for 10 minutes after it rotated. */
const REUSE_WINDOW_MS = 10 * 60_000;
/** We resend only this far into the window, so clock skew between us and Atlassian cannot carry a resend past it. */
const RESEND_WINDOW_MS = REUSE_WINDOW_MS - 60_000;
/**
 * Another process's send of a refresh token is given up at its recorded deadline; it is not sent again before
 * that deadline has passed by this much. It covers clocks that disagree and a
 * process whose event loop stalled after its request was handed to fetch, so that request leaves late.
 */
const RESEND_MARGIN_MS = 5_000;
/** How many settled sends this process remembers (see `#settledSends`); past it, the oldest is forgotten, which only costs a wait. */
const SETTLED_SENDS_REMEMBERED = 10_000;
/** In-process resends after an answer was lost, before leaving recovery to a later call or another process. */
const RESEND_DELAYS_MS = [250, 1_000, 4_000];
/** Atlassian's access tokens live 3600 s; a far larger `expires_in` is a broken answer, not a reason to store garbage. */
const MAX_ACCESS_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/**
 * Keeps Atlassian connections alive in background jobs: refreshes access tokens before they expire, once per
 * connection at a time — across concurrent calls in this process (single-flight) and across processes (a
 * renewed lease in the store) — and makes every write a compare-and-set on the record's version, so a rotating
 * refresh token is never spent twice, never lost, and never written over newer data.
 */
export type { KeepAliveOptions, KeepAliveReport, RefreshOptions, TokenManagerOptions, TokenRefresher } from "./token-manager-options.js";

export class TokenManager {
	readonly #provider: TokenRefresher;
	readonly #store: TokenStore;
	readonly #refreshWindowMs: number;
	readonly #lockTtlMs: number;
	readonly #lockWaitMs: number;
	readonly #refreshTimeoutMs: number;
	readonly #now: () => number;
	readonly #options: TokenManagerOptions;
	readonly #inFlight = new Map<string, Promise<StoredTokenSet>>();
	readonly #cache: AccessTokenCache | undefined;
	readonly #bounds: StoreCallBounds;
	/**
	 * Rotated sets the store has not safely taken yet, written again in the background. `served`: handed to this
	 * process's callers meanwhile (the store failed); not when the store took it without enough replicas.
	 */
	readonly #pendingWrites = new Map<string, { tokens: StoredTokenSet; served: boolean }>();
	/**
	 * By key, the version of the last sent mark this process wrote whose send has settled (failed or was given
	 * up): no request of it can still be on its way, so it may be sent again without waiting for its deadline.
	 */
	readonly #settledSends = new Map<string, number>();

	constructor(provider: TokenRefresher, options: TokenManagerOptions) {
		this.#provider = provider;
		this.#store = options.store;
		this.#options = options;
		const refreshWindowSeconds = options.refreshWindowSeconds ?? 300;
		if (!(refreshWindowSeconds >= 0 && Number.isFinite(refreshWindowSeconds))) {
			throw new TypeError(`refreshWindowSeconds must be a finite number of seconds, 0 or more, got ${String(refreshWindowSeconds)}`);
		}
		this.#refreshWindowMs = refreshWindowSeconds * 1000;
		this.#lockTtlMs = checkTimerDuration("lockTtlMs", options.lockTtlMs ?? 30_000);
		if (!Number.isInteger(this.#lockTtlMs)) {
			throw new TypeError(`lockTtlMs must be a whole number of ms, got ${this.#lockTtlMs}`);
		}
		this.#lockWaitMs = checkTimerDuration("lockWaitMs", options.lockWaitMs ?? Math.min(2 * this.#lockTtlMs, MAX_TIMER_MS), 0);
		this.#refreshTimeoutMs = checkTimerDuration("refreshTimeoutMs", options.refreshTimeoutMs ?? 10_000);
		this.#bounds = new StoreCallBounds(checkTimerDuration("storeTimeoutMs", options.storeTimeoutMs ?? 5_000));
		this.#now = options.now ?? Date.now;
		const cacheMs = checkTimerDuration("cacheMs", options.cacheMs ?? 0, 0);
		const cacheSize = options.cacheSize ?? 10_000;
		if (!(Number.isSafeInteger(cacheSize) && cacheSize > 0)) {
			throw new TypeError(`cacheSize must be a whole number above 0, got ${String(cacheSize)}`);
		}
		this.#cache = cacheMs > 0 ? new AccessTokenCache(cacheMs, cacheSize) : undefined;
	}

	/**
	 * Stores the tokens of a new sign-in, replacing whatever was stored: a re-authorization mark, a record it
	 * cannot read (corrupt, or sealed with a lost key) and a deleted connection's tombstone included. A refresh
	 * of the old grant still in flight can no longer write over it.
	 */
	public async save(key: string, tokens: OAuth2Tokens, options?: RequestOptions): Promise<StoredTokenSet> {
		checkTokenKey(key);
		const now = this.#now();
		const fields = {
			accessToken: tokens.accessToken(),
			refreshToken: tokens.hasRefreshToken() ? tokens.refreshToken() : null,
			expiresAt: this.#expiresAt(tokens),
			scopes: tokens.hasScopes() ? tokens.scopes() : [],
			consentedAt: now,
			issuedAt: now,
		};
		for (let attempt = 1; ; attempt++) {
			const version = await this.#call(key, "getVersion", (call) => this.#store.getVersion(key, call), options?.signal);
			const stored: StoredTokenSet = { ...fields, version: version + 1 };
			if (await this.#compareAndSet(key, version, stored, options?.signal)) {
				this.#pendingWrites.delete(key);
				this.#cache?.remember(key, stored, this.#now(), true);
				return stored;
			}
			if (attempt === 10) {
				throw new Error(`Could not save the tokens of "${key}": its record changed on every one of 10 attempts`);
			}
		}
	}

	/** The stored token set (or a rotated one this process is still writing), or `null`. Does not refresh. */
	public async getTokenSet(key: string, options?: RequestOptions): Promise<StoredTokenSet | null> {
		checkTokenKey(key);
		return this.#served(key) ?? (await this.#get(key, options?.signal));
	}

	/** A usable access token: the stored one, or a fresh one when it expires within the refresh window. */
	public async getAccessToken(key: string, options?: RequestOptions): Promise<string> {
		checkTokenKey(key);
		const served = this.#served(key) ?? this.#cache?.get(key, this.#now());
		if (served !== undefined && this.#isFresh(served)) {
			return served.accessToken;
		}
		const stored = await this.#readUsable(key, options?.signal);
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
		const served = this.#served(key);
		if (rejected !== undefined && served !== undefined && served.accessToken !== rejected) {
			return served;
		}
		const stored = await this.#readUsable(key, options?.signal);
		if (rejected !== undefined && stored.refreshSentAt === undefined && stored.accessToken !== rejected) {
			return stored;
		}
		return this.#singleFlight(key, stored.version, true, options);
	}

	/** Deletes the connection (the user clicked "Disconnect"). It stays deleted: a refresh in flight cannot write it back. */
	public async delete(key: string, options?: RequestOptions): Promise<void> {
		checkTokenKey(key);
		this.#pendingWrites.delete(key);
		// Until a new sign-in here, no read (not even one racing the delete) is served from memory again.
		this.#cache?.supersede(key, Number.POSITIVE_INFINITY);
		await this.#call(key, "delete", (call) => this.#store.delete(key, call), options?.signal);
	}

	/**
	 * Refreshes connections nobody used for `idleDays`, so they outlive Atlassian's 90-day limit on unused
	 * refresh tokens. Run it from a daily job; it needs a store with `listIdleKeys` (memory, Redis and Postgres
	 * have it). It makes at most `limit` refreshes, and pages past what it cannot refresh (reported in
	 * `skipped`), so dead connections never take a live one's place. To cover more than `limit` connections in
	 * one run, call it again with the report's `cursor` until that is `null`.
	 */
	public keepAlive(options: KeepAliveOptions = {}): Promise<KeepAliveReport> {
		return keepAlive(
			{
				store: this.#store,
				now: this.#now,
				call: (key, operation, call, signal) => this.#call(key, operation, call, signal),
				read: (key, requestOptions) => this.getTokenSet(key, requestOptions),
				// Marked before stores kept such records out of the index: written again (same content), it leaves it.
				rewrite: (key, stored) => this.#compareAndSet(key, stored.version, { ...stored, version: stored.version + 1 }),
				mayResend: (sentAt) => this.#mayResend(sentAt),
				refresh: (key, version, requestOptions) => this.#singleFlight(key, version, true, requestOptions),
			},
			options,
		);
	}

	async #readUsable(key: string, signal: AbortSignal | undefined): Promise<StoredTokenSet> {
		const stored = await this.#get(key, signal);
		if (stored === null) {
			throw new TokenNotFoundError(key);
		}
		if (stored.reauthorizationRequired) {
			throw reauthorizationError();
		}
		return stored;
	}

	/**
	 * One refresh per key in this process. The refresh belongs to no caller: a caller's signal only ends
	 * that caller's wait, because aborting a refresh Atlassian may already have performed would lose the
	 * rotated refresh token, and would fail the other callers sharing it.
	 */
	#singleFlight(key: string, seenVersion: number, force: boolean, options: RefreshOptions | undefined): Promise<StoredTokenSet> {
		const signal = options?.signal;
		if (signal?.aborted) {
			return Promise.reject(new ArcticFetchError(redactCause(signal.reason, [])));
		}
		let pending = this.#inFlight.get(key);
		if (pending === undefined) {
			pending = this.#refreshUnderLease(key, seenVersion, force, options?.retryUnknownOutcome === true).finally(() =>
				this.#inFlight.delete(key),
			);
			this.#inFlight.set(key, pending);
		}
		// The caller stops waiting when its signal aborts; the refresh itself carries on.
		return abortable(pending, signal, abortError);
	}

	/** True when `current` already answers the caller: another process refreshed after we looked, or (not forced) it is fresh. */
	#isAnswered(current: StoredTokenSet, seenVersion: number, force: boolean): boolean {
		if (current.reauthorizationRequired) {
			throw reauthorizationError();
		}
		// A refresh whose answer was never stored is not an answer: it must be recovered.
		if (current.refreshSentAt !== undefined) {
			return false;
		}
		return current.version > seenVersion || (!force && this.#isFresh(current));
	}

	async #refreshUnderLease(key: string, seenVersion: number, force: boolean, retryUnknownOutcome: boolean): Promise<StoredTokenSet> {
		// Watched before the first look, so that a change between a look and the wait after it is not slept through.
		const wakeup = new Wakeup();
		let unwatch: (() => void) | undefined;
		try {
			unwatch = this.#store.watch?.(key, wakeup.notify);
		} catch {
			// No notifications: polling alone still gets there.
		}
		try {
			return await this.#refreshOrWait(key, seenVersion, force, retryUnknownOutcome, wakeup);
		} finally {
			try {
				unwatch?.();
			} catch {
				// Nothing to undo.
			}
		}
	}

	/**
	 * Takes the lease and refreshes, or waits for whoever holds it: woken by the store's notification, or after a
	 * jittered backoff (25 ms doubling to 500 ms) when there is none, or it was lost.
	 */
	async #refreshOrWait(
		key: string,
		seenVersion: number,
		force: boolean,
		retryUnknownOutcome: boolean,
		wakeup: Wakeup,
	): Promise<StoredTokenSet> {
		const waitUntil = Date.now() + this.#lockWaitMs;
		let delayMs = 25;
		for (;;) {
			// Lease validity is counted from before the request: a store that answers late cannot stretch it.
			const acquiredAt = Date.now();
			const lease = await this.#call(key, "acquireLease", (call) => this.#store.acquireLease(key, this.#lockTtlMs, call));
			if (lease !== null) {
				const keeper = new LeaseKeeper(lease, this.#lockTtlMs, acquiredAt, {
					renew: (held, ttlMs) => this.#call(key, "renew", (call) => held.renew(ttlMs, call)),
					release: (held: TokenStoreLease) => this.#call(key, "release", (call) => held.release(call)),
				});
				try {
					const result = await this.#refreshWithLease(key, seenVersion, force, retryUnknownOutcome, keeper);
					if (result !== undefined) return result;
				} finally {
					await keeper.release();
				}
			} else {
				const current = await this.#get(key);
				if (current === null) {
					throw new TokenNotFoundError(key);
				}
				if (this.#isAnswered(current, seenVersion, force)) {
					return current;
				}
			}
			if (Date.now() + delayMs > waitUntil) {
				throw new TokenLockTimeoutError(key, this.#lockWaitMs);
			}
			await wakeup.sleep(delayMs * (0.5 + Math.random() / 2));
			delayMs = Math.min(delayMs * 2, 500);
		}
	}

	/** Refreshes under a held lease; `undefined` when the lease or the record moved meanwhile, to start over. */
	async #refreshWithLease(
		key: string,
		seenVersion: number,
		force: boolean,
		retryUnknownOutcome: boolean,
		keeper: LeaseKeeper,
	): Promise<StoredTokenSet | undefined> {
		// Re-read under the lease: the previous holder may have rotated the refresh token we saw.
		const current = await this.#get(key);
		if (current === null) {
			throw new TokenNotFoundError(key);
		}
		if (this.#isAnswered(current, seenVersion, force)) {
			return current;
		}
		if (current.refreshToken === null) {
			throw new OAuth2RequestError(
				"invalid_grant",
				"The access token expired and no refresh token is stored (request the offline_access scope); the user must sign in again",
				null,
				null,
				null,
			);
		}
		const sentAt = current.refreshSentAt ?? this.#now();
		if (current.refreshSentAt !== undefined && !retryUnknownOutcome && !this.#mayResend(sentAt)) {
			throw this.#failed(key, new RefreshOutcomeUnknownError(key, sentAt));
		}
		// Another process's send may still be on its way (its holder stalled, and its lease lapsed): never two at once.
		const waitMs = this.#settledSends.get(key) === current.version ? 0 : this.#untilResendMs(current);
		if (waitMs > 0) {
			await sleep(waitMs);
			const again = await this.#get(key);
			if (again === null) {
				throw new TokenNotFoundError(key);
			}
			// Its holder came back and stored the answer meanwhile, or someone else moved the record: no resend.
			if (this.#isAnswered(again, seenVersion, force)) return again;
			if (again.version !== current.version) return undefined;
		}
		const claim = await this.#claimSend(key, current, current.refreshToken, sentAt, keeper);
		return claim === undefined ? undefined : this.#sendRefresh(key, claim, keeper);
	}

	/**
	 * Records, fenced, that this refresh token is being sent and until when: if the answer is lost, whoever reads
	 * this next knows the token may have rotated, waits for the send's deadline, and any write based on the old
	 * version is refused. `undefined` when the lease may lapse before the send's deadline, or the record moved.
	 */
	async #claimSend(
		key: string,
		current: StoredTokenSet,
		refreshToken: string,
		sentAt: number,
		keeper: LeaseKeeper,
	): Promise<SendClaim | undefined> {
		// No refresh is sent on a lease that may lapse before the answer could be written.
		if (!(await keeper.holdsFor(this.#lockTtlMs / 2))) {
			return undefined;
		}
		const claim: SendClaim = {
			...current,
			refreshToken,
			refreshSentAt: sentAt,
			refreshDeadline: this.#now() + this.#refreshTimeoutMs,
			version: current.version + 1,
		};
		return (await this.#compareAndSet(key, current.version, claim)) ? claim : undefined;
	}

	#rememberSettled(key: string, version: number): void {
		this.#settledSends.delete(key);
		this.#settledSends.set(key, version);
		if (this.#settledSends.size > SETTLED_SENDS_REMEMBERED) {
			this.#settledSends.delete(this.#settledSends.keys().next().value as string);
		}
	}

	/** How long to wait before sending again a refresh token another send of which may still be in flight; 0: none may be. */
	#untilResendMs(current: StoredTokenSet): number {
		if (current.refreshSentAt === undefined) return 0;
		// A mark written before deadlines were recorded: its send had at most the transport's 30 s.
		const deadline = current.refreshDeadline ?? current.refreshSentAt + 30_000;
		return Math.max(0, deadline + RESEND_MARGIN_MS - this.#now());
	}

	async #sendRefresh(key: string, sent: SendClaim, keeper: LeaseKeeper): Promise<StoredTokenSet | undefined> {
		let claim = sent;
		for (let attempt = 0; ; attempt++) {
			let tokens: OAuth2Tokens;
			try {
				// Given up at the claim's deadline, or before the lease could lapse: a process that takes the lease
				// over waits for that deadline, so two sends of one refresh token are never in flight at once.
				tokens = await this.#sendUntilDeadline(claim, keeper);
				this.#settledSends.delete(key);
			} catch (failure) {
				this.#rememberSettled(key, claim.version);
				const error = withoutTokens(failure, [claim.refreshToken, claim.accessToken]);
				if (isReauthorizationRequired(error)) {
					await this.#writeOutcome(key, claim, {
						...claim,
						reauthorizationRequired: true,
						refreshSentAt: undefined,
						refreshDeadline: undefined,
					});
					this.#notify(() => this.#options.onReauthorizationRequired?.(key, error as OAuth2RequestError));
					throw this.#failed(key, error);
				}
				if (error instanceof OAuth2RequestError && error.status !== null && error.status < 500) {
					// Answered and refused (a wrong client secret, say): nothing rotated.
					await this.#writeOutcome(key, claim, { ...claim, refreshSentAt: undefined, refreshDeadline: undefined });
					throw this.#failed(key, error);
				}
				// Timeout, reset, 5xx: Atlassian may have rotated the token. Inside its reuse window the same token may go again.
				const delayMs = RESEND_DELAYS_MS[attempt];
				if (delayMs === undefined || !this.#mayResend(claim.refreshSentAt, delayMs)) {
					throw this.#failed(key, error);
				}
				await sleep(delayMs);
				const resend = await this.#claimSend(key, claim, claim.refreshToken, claim.refreshSentAt, keeper).catch(() => undefined);
				if (resend === undefined) {
					throw this.#failed(key, error);
				}
				claim = resend;
				continue;
			}
			const now = this.#now();
			const next: StoredTokenSet = {
				accessToken: tokens.accessToken(),
				// Atlassian sometimes answers without a new refresh token: the one we sent stays valid then.
				refreshToken: tokens.hasRefreshToken() ? tokens.refreshToken() : claim.refreshToken,
				expiresAt: this.#expiresAt(tokens),
				scopes: tokens.hasScopes() ? tokens.scopes() : claim.scopes,
				version: claim.version + 1,
				consentedAt: claim.consentedAt,
				issuedAt: now,
			};
			if (!isStoredTokenSet(next)) {
				// Only a refresher of your own can get here (this library's OAuth2Tokens cannot yield such a set): refused
				// once, here, rather than taken for a store failure and written again and again in the background.
				throw this.#failed(key, new TypeError(`Refusing to store an invalid token set for "${key}"`));
			}
			return this.#persist(key, claim, next, keeper);
		}
	}

	/** Writes the rotated set before anyone sees its access token; if the store fails, keeps it and keeps trying. */
	async #persist(key: string, claim: StoredTokenSet, next: StoredTokenSet, keeper: LeaseKeeper): Promise<StoredTokenSet | undefined> {
		let failure: unknown;
		try {
			return await this.#written(key, next, await this.#writeRotated(key, claim, next));
		} catch (error) {
			failure = error;
		}
		if (isNotDurable(failure)) {
			// On the primary but not on enough replicas: a failover could erase it, so nobody gets it yet. Written
			// again while the lease is held, up to lockWaitMs; then the caller hears why, and the writing goes on.
			const giveUpAt = Date.now() + this.#lockWaitMs;
			for (let attempt = 1, delayMs = 100; ; attempt++, delayMs = Math.min(delayMs * 2, 2_000)) {
				this.#notify(() => this.#options.onStoreWriteFailed?.(key, failure, attempt));
				if (Date.now() + delayMs > giveUpAt) {
					this.#writeInBackground(key, claim, next, keeper, false, attempt);
					throw failure;
				}
				await sleep(delayMs);
				try {
					return await this.#written(key, next, await this.#writeRotated(key, claim, next));
				} catch (error) {
					// A failover in progress fails writes outright for a while; the set is still not safe.
					failure = isNotDurable(error) ? error : failure;
				}
			}
		}
		// The store failed: this process keeps the set, serves it, and keeps writing it.
		this.#notify(() => this.#options.onStoreWriteFailed?.(key, failure, 1));
		this.#writeInBackground(key, claim, next, keeper, true, 1);
		return next;
	}

	async #written(key: string, next: StoredTokenSet, written: boolean): Promise<StoredTokenSet | undefined> {
		if (!written) {
			// Superseded: deleted, signed in again, or taken over after our lease lapsed. Start over from what is stored.
			return undefined;
		}
		await this.#options.onRefresh?.(key, next);
		return next;
	}

	/**
	 * Writes a rotated set fenced on its claim; `false` when newer data won (a delete, a sign-in, another holder).
	 * Only one write from the claim's version can succeed, so a record at `next.version` holding our tokens is
	 * ours — an earlier attempt whose answer was lost, or that lacked replicas. Rewriting it in place confirms
	 * it (and, on a store with a durability option, waits for its replicas again); any later write would have
	 * moved the version and makes the rewrite a no-op.
	 */
	/** One send of the claim's refresh token, given up at `refreshTimeoutMs` or when the lease may lapse, whichever is first. */
	async #sendUntilDeadline(claim: SendClaim, keeper: LeaseKeeper): Promise<OAuth2Tokens> {
		const lapse = keeper.lapseSignal(this.#lockTtlMs / 6);
		const { signal, clear } = deadlineSignal(this.#refreshTimeoutMs, lapse, "The refresh was given up: no answer");
		try {
			return await this.#provider.refreshAccessToken(claim.refreshToken, { signal });
		} finally {
			clear();
		}
	}

	async #writeRotated(key: string, claim: StoredTokenSet, next: StoredTokenSet): Promise<boolean> {
		if (await this.#compareAndSet(key, claim.version, next)) {
			return true;
		}
		const stored = await this.#get(key);
		const ours =
			stored !== null &&
			stored.version === next.version &&
			stored.accessToken === next.accessToken &&
			stored.refreshToken === next.refreshToken;
		return ours && this.#compareAndSet(key, next.version, next);
	}

	/** `failedAttempts`: how many writes of `next` failed already, so `onStoreWriteFailed` keeps counting. */
	#writeInBackground(
		key: string,
		claim: StoredTokenSet,
		next: StoredTokenSet,
		keeper: LeaseKeeper,
		served: boolean,
		failedAttempts: number,
	): void {
		const pending = { tokens: next, served };
		this.#pendingWrites.set(key, pending);
		keeper.retain();
		void (async () => {
			let attempt = failedAttempts;
			try {
				for (let delayMs = 250; this.#pendingWrites.get(key) === pending; delayMs = Math.min(delayMs * 2, 5_000)) {
					await sleep(delayMs);
					if (this.#pendingWrites.get(key) !== pending) return; // saved or deleted in this process meanwhile
					try {
						if (await this.#writeRotated(key, claim, next)) {
							this.#notify(() => this.#options.onRefresh?.(key, next));
						}
						return;
					} catch (error) {
						attempt++;
						this.#notify(() => this.#options.onStoreWriteFailed?.(key, error, attempt));
					}
				}
			} finally {
				if (this.#pendingWrites.get(key) === pending) this.#pendingWrites.delete(key);
				await keeper.release();
			}
		})();
	}

	/** A rotated set this process is still writing and may hand out, if any. */
	#served(key: string): StoredTokenSet | undefined {
		const pending = this.#pendingWrites.get(key);
		return pending?.served ? pending.tokens : undefined;
	}

	/** Records how a refresh ended (refused, or re-authorization required). Best effort: the caller gets the refresh's error either way. */
	async #writeOutcome(key: string, claim: StoredTokenSet, outcome: StoredTokenSet): Promise<void> {
		try {
			await this.#compareAndSet(key, claim.version, { ...outcome, version: claim.version + 1 });
		} catch {
			// The mark stays; the next holder retries inside the reuse window, or reports the outcome unknown.
		}
	}

	#failed(key: string, error: unknown): unknown {
		this.#notify(() => this.#options.onRefreshFailed?.(key, error));
		return error;
	}

	#notify(hook: () => unknown): void {
		try {
			const result = hook();
			if (result instanceof Promise) result.catch(() => {});
		} catch {
			// A failing hook must not mask what happened to the tokens.
		}
	}

	#mayResend(sentAt: number, afterMs = 0): boolean {
		return this.#now() + afterMs - sentAt < RESEND_WINDOW_MS;
	}

	#isFresh(tokens: StoredTokenSet): boolean {
		return tokens.expiresAt - this.#now() > this.#refreshWindowMs;
	}

	/** Expiry from a finite, capped `expires_in`; without a usable one, due for refresh at once rather than lose the rotated refresh token. */
	#expiresAt(tokens: OAuth2Tokens): number {
		let seconds: number;
		try {
			seconds = tokens.accessTokenExpiresInSeconds();
		} catch {
			return this.#now();
		}
		return this.#now() + Math.floor(Math.min(seconds, MAX_ACCESS_TOKEN_LIFETIME_SECONDS) * 1000);
	}

	#get(key: string, signal?: AbortSignal): Promise<StoredTokenSet | null> {
		const reading = this.#call(key, "get", (call) => this.#store.get(key, call), signal);
		const cache = this.#cache;
		return cache === undefined
			? reading
			: reading.then((stored) => {
					cache.remember(key, stored, this.#now());
					return stored;
				});
	}

	async #compareAndSet(key: string, expectedVersion: number, tokens: StoredTokenSet, signal?: AbortSignal): Promise<boolean> {
		if (!isStoredTokenSet(tokens)) {
			throw new TypeError(`Refusing to store an invalid token set for "${key}"`);
		}
		let written: boolean;
		try {
			written = await this.#call(
				key,
				"compareAndSet",
				(call) => this.#store.compareAndSet(key, expectedVersion, tokens, call),
				signal,
				tokens,
			);
		} catch (error) {
			// Outcome unknown: it may have landed.
			this.#cache?.supersede(key, expectedVersion);
			throw error;
		}
		if (written) {
			this.#cache?.remember(key, tokens, this.#now());
		} else {
			// Someone else wrote: the record is past the version we expected.
			this.#cache?.supersede(key, expectedVersion + 1);
		}
		return written;
	}

	/** A store call, bounded; its failure reaches no caller or hook before its tokens (`tokens`, of a write) are taken out. */
	#call<T>(
		key: string,
		operation: string,
		call: (options: TokenStoreCallOptions) => Promise<T>,
		signal?: AbortSignal,
		tokens?: StoredTokenSet,
	): Promise<T> {
		return this.#bounds.run(call, { key, operation, tokens: tokens && [tokens.accessToken, tokens.refreshToken] }, signal);
	}
}

/**
 * By name, not `instanceof`: a store from elsewhere may define its own, and a process that loads this package
 * through both `import` and `require` holds two copies of the class.
 */
function isNotDurable(error: unknown): error is TokenWriteNotDurableError {
	return error instanceof Error && error.name === "TokenWriteNotDurableError";
}

/** A send of a refresh token, recorded in the store before it goes out. */
type SendClaim = StoredTokenSet & { refreshToken: string; refreshSentAt: number; refreshDeadline: number };

function reauthorizationError(): OAuth2RequestError {
	return new OAuth2RequestError(
		"invalid_grant",
		"Atlassian rejected this connection's refresh token earlier; the user must sign in again",
		null,
		null,
		null,
	);
}

/** A caller's abort, as this package reports it: an `ArcticFetchError` whose cause is a sanitized copy of the reason. */
function abortError(signal: AbortSignal): ArcticFetchError {
	return new ArcticFetchError(redactCause(signal.reason, []));
}
