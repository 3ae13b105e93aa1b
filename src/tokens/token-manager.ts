import type { Atlassian } from "../atlassian/atlassian.js";
import { isReauthorizationRequired } from "../atlassian/reauthorization.js";
import { ArcticFetchError, OAuth2RequestError } from "../oauth2/errors.js";
import { checkTimerDuration, MAX_TIMER_MS } from "../oauth2/timer-duration.js";
import type { OAuth2Tokens } from "../oauth2/tokens.js";
import type { RequestOptions } from "../oauth2/transport.js";
import { TokenLockTimeoutError, TokenNotFoundError } from "./errors.js";
import type { StoredTokenSet, TokenStore } from "./token-store.js";

export interface TokenManagerOptions {
	store: TokenStore;
	/** Refresh when the access token expires within this many seconds. Default 300. */
	refreshWindowSeconds?: number;
	/**
	 * How long a refresh lock lives, in ms. Default 30 000. The refresh request is aborted well before the
	 * lock expires, so two processes never refresh one connection at the same time.
	 */
	lockTtlMs?: number;
	/** How long to wait for another process's refresh before giving up with `TokenLockTimeoutError`. Default: 2 × `lockTtlMs`. */
	lockWaitMs?: number;
	/** Called after a refreshed token set is stored, e.g. to log or to mirror it elsewhere. */
	onRefresh?: (key: string, tokens: StoredTokenSet) => void | Promise<void>;
}

/** What the manager needs of a provider; `Atlassian` has it. */
export type TokenRefresher = Pick<Atlassian, "refreshAccessToken">;

/**
 * Keeps Atlassian connections alive in background jobs: refreshes access tokens before they expire,
 * once per connection at a time — across concurrent calls in this process (single-flight) and across
 * processes (the store's lock, then a re-read of the store) — so a rotating refresh token is never spent twice.
 */
export class TokenManager {
	readonly #provider: TokenRefresher;
	readonly #store: TokenStore;
	readonly #refreshWindowMs: number;
	readonly #lockTtlMs: number;
	readonly #lockWaitMs: number;
	readonly #onRefresh: TokenManagerOptions["onRefresh"];
	readonly #inFlight = new Map<string, Promise<StoredTokenSet>>();

	constructor(provider: TokenRefresher, options: TokenManagerOptions) {
		this.#provider = provider;
		this.#store = options.store;
		const refreshWindowSeconds = options.refreshWindowSeconds ?? 300;
		if (!(refreshWindowSeconds >= 0 && Number.isFinite(refreshWindowSeconds))) {
			throw new TypeError(`refreshWindowSeconds must be a finite number of seconds, 0 or more, got ${String(refreshWindowSeconds)}`);
		}
		this.#refreshWindowMs = refreshWindowSeconds * 1000;
		this.#lockTtlMs = checkTimerDuration("lockTtlMs", options.lockTtlMs ?? 30_000);
		this.#lockWaitMs = checkTimerDuration("lockWaitMs", options.lockWaitMs ?? Math.min(2 * this.#lockTtlMs, MAX_TIMER_MS), 0);
		this.#onRefresh = options.onRefresh;
	}

	/** Stores the tokens of a new sign-in, replacing whatever was stored (a re-authorization mark included). */
	public async save(key: string, tokens: OAuth2Tokens): Promise<StoredTokenSet> {
		const previous = await this.#store.get(key);
		const stored: StoredTokenSet = {
			accessToken: tokens.accessToken(),
			refreshToken: tokens.hasRefreshToken() ? tokens.refreshToken() : null,
			expiresAt: expiresAt(tokens),
			scopes: tokens.hasScopes() ? tokens.scopes() : [],
			version: (previous?.version ?? 0) + 1,
		};
		await this.#store.set(key, stored);
		return stored;
	}

	/** The stored token set, or `null`. Does not refresh. */
	public getTokenSet(key: string): Promise<StoredTokenSet | null> {
		return this.#store.get(key);
	}

	/** A usable access token: the stored one, or a fresh one when it expires within the refresh window. */
	public async getAccessToken(key: string, options?: RequestOptions): Promise<string> {
		const stored = await this.#readUsable(key);
		if (stored.expiresAt - Date.now() > this.#refreshWindowMs) {
			return stored.accessToken;
		}
		return (await this.#singleFlight(key, stored.version, false, options?.signal)).accessToken;
	}

	/** Forces a refresh, e.g. after an API answered 401. Concurrent calls share one refresh. */
	public async refresh(key: string, options?: RequestOptions): Promise<StoredTokenSet> {
		const stored = await this.#readUsable(key);
		return this.#singleFlight(key, stored.version, true, options?.signal);
	}

	public delete(key: string): Promise<void> {
		return this.#store.delete(key);
	}

	async #readUsable(key: string): Promise<StoredTokenSet> {
		const stored = await this.#store.get(key);
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
	#singleFlight(key: string, seenVersion: number, force: boolean, signal: AbortSignal | undefined): Promise<StoredTokenSet> {
		if (signal?.aborted) {
			return Promise.reject(new ArcticFetchError(signal.reason));
		}
		let pending = this.#inFlight.get(key);
		if (pending === undefined) {
			pending = this.#refreshUnderLock(key, seenVersion, force).finally(() => this.#inFlight.delete(key));
			this.#inFlight.set(key, pending);
		}
		return signal === undefined ? pending : untilAborted(pending, signal);
	}

	/** True when `current` already answers the caller: another process refreshed after we looked, or (not forced) it is fresh. */
	#isAnswered(current: StoredTokenSet, seenVersion: number, force: boolean): boolean {
		if (current.reauthorizationRequired) {
			throw reauthorizationError();
		}
		return current.version > seenVersion || (!force && current.expiresAt - Date.now() > this.#refreshWindowMs);
	}

	async #refreshUnderLock(key: string, seenVersion: number, force: boolean): Promise<StoredTokenSet> {
		const deadline = Date.now() + this.#lockWaitMs;
		let delayMs = 25;
		for (;;) {
			const lock = await this.#store.lock(key, this.#lockTtlMs);
			if (lock !== null) {
				try {
					// Re-read under the lock: the process that held it may have rotated the refresh token we saw.
					const current = await this.#store.get(key);
					if (current === null) {
						throw new TokenNotFoundError(key);
					}
					if (this.#isAnswered(current, seenVersion, force)) {
						return current;
					}
					return await this.#refreshNow(key, current);
				} finally {
					await lock.release();
				}
			}
			const current = await this.#store.get(key);
			if (current !== null && this.#isAnswered(current, seenVersion, force)) {
				return current;
			}
			if (Date.now() + delayMs > deadline) {
				throw new TokenLockTimeoutError(key, this.#lockWaitMs);
			}
			await sleep(delayMs);
			delayMs = Math.min(delayMs * 2, 500);
		}
	}

	async #refreshNow(key: string, current: StoredTokenSet): Promise<StoredTokenSet> {
		if (current.refreshToken === null) {
			throw new OAuth2RequestError(
				"invalid_grant",
				"The access token expired and no refresh token is stored (request the offline_access scope); the user must sign in again",
				null,
				null,
				null,
			);
		}
		let tokens: OAuth2Tokens;
		// Abort the request well before the lock expires: past that, another process could refresh too.
		const deadline = new AbortController();
		const timer = setTimeout(
			() => deadline.abort(new DOMException("The refresh outlived its lock", "TimeoutError")),
			this.#lockTtlMs * 0.8,
		);
		try {
			tokens = await this.#provider.refreshAccessToken(current.refreshToken, { signal: deadline.signal });
		} catch (error) {
			if (isReauthorizationRequired(error)) {
				await this.#store.set(key, { ...current, reauthorizationRequired: true, version: current.version + 1 });
			}
			// Network faults, timeouts and 5xx leave the stored tokens exactly as they were.
			throw error;
		} finally {
			clearTimeout(timer);
		}
		const next: StoredTokenSet = {
			accessToken: tokens.accessToken(),
			// Atlassian sometimes answers without a new refresh token: the one we sent stays valid then.
			refreshToken: tokens.hasRefreshToken() ? tokens.refreshToken() : current.refreshToken,
			expiresAt: expiresAt(tokens),
			scopes: tokens.hasScopes() ? tokens.scopes() : current.scopes,
			version: current.version + 1,
		};
		// Stored before anyone sees the new access token: the rotated refresh token must never be lost,
		// so a store that blips (a Redis failover) gets a few more tries while we still hold the lock.
		await retry(() => this.#store.set(key, next), [50, 200, 800]);
		await this.#onRefresh?.(key, next);
		return next;
	}
}

/** Expiry from the response; without a valid `expires_in`, treat the access token as already due for refresh rather than lose the rotated refresh token. */
function expiresAt(tokens: OAuth2Tokens): number {
	try {
		return tokens.accessTokenExpiresAt().getTime();
	} catch {
		return Date.now();
	}
}

function reauthorizationError(): OAuth2RequestError {
	return new OAuth2RequestError(
		"invalid_grant",
		"Atlassian rejected this connection's refresh token earlier; the user must sign in again",
		null,
		null,
		null,
	);
}

async function retry(operation: () => Promise<void>, delaysMs: number[]): Promise<void> {
	for (const delayMs of delaysMs) {
		try {
			return await operation();
		} catch {
			await sleep(delayMs);
		}
	}
	return operation();
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `pending`, or an `ArcticFetchError` as soon as `signal` aborts, whichever comes first; `pending` itself carries on. */
function untilAborted<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
	let onAbort: () => void = () => {};
	const aborted = new Promise<never>((_, reject) => {
		onAbort = () => reject(new ArcticFetchError(signal.reason));
		signal.addEventListener("abort", onAbort, { once: true });
	});
	return Promise.race([pending, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}
