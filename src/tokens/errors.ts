import { brandError } from "../internal/error-brand.js";

/** `TokenManager` has nothing stored under this key: call `save()` after the user signs in. */
export class TokenNotFoundError extends Error {
	public key: string;

	constructor(key: string) {
		super(`No tokens are stored for "${key}": call TokenManager.save() after the user signs in`);
		this.name = "TokenNotFoundError";
		this.key = key;
	}
}
brandError(TokenNotFoundError, "TokenNotFoundError");

/**
 * Another process held the connection's refresh lease for longer than this process was willing to wait
 * (`leaseWaitMs`). Safe to retry.
 */
export class TokenLeaseTimeoutError extends Error {
	public key: string;

	constructor(key: string, waitedMs: number) {
		super(`Timed out after ${waitedMs} ms waiting for another process to finish refreshing "${key}"; retry later`);
		// The name it had as TokenLockTimeoutError, for code that matches on it; "TokenLeaseTimeoutError" in 0.3.
		this.name = "TokenLockTimeoutError";
		this.key = key;
	}
}
brandError(TokenLeaseTimeoutError, "TokenLockTimeoutError");

/** @deprecated Renamed `TokenLeaseTimeoutError` (the same class); this alias goes in 0.3. */
export const TokenLockTimeoutError = TokenLeaseTimeoutError;
/** @deprecated Renamed `TokenLeaseTimeoutError`. */
export type TokenLockTimeoutError = TokenLeaseTimeoutError;

/**
 * A store call did not finish within `storeTimeoutMs` (a store that accepts connections but never answers).
 * Nothing was lost: stored tokens are only ever replaced by compare-and-set. Safe to retry.
 */
export class TokenStoreTimeoutError extends Error {
	public key: string;
	public operation: string;

	constructor(key: string, operation: string, timeoutMs: number) {
		super(`The token store did not answer ${operation} for "${key}" within ${timeoutMs} ms; check the store's health and retry`);
		this.name = "TokenStoreTimeoutError";
		this.key = key;
		this.operation = operation;
	}
}
brandError(TokenStoreTimeoutError, "TokenStoreTimeoutError");

/**
 * A refresh of this connection was sent and its answer was lost (timeout, reset, 5xx), and Atlassian's
 * 10-minute reuse window for that refresh token has passed. If Atlassian performed the refresh, the stored
 * refresh token is spent and sending it again revokes the grant; if it never arrived, it still works.
 * `TokenManager` does not guess: sign the user in again, or call `refresh(key, { retryUnknownOutcome: true })`
 * to accept the risk.
 */
export class RefreshOutcomeUnknownError extends Error {
	public key: string;
	/** When the refresh token was first sent, epoch ms. */
	public sentAt: number;

	constructor(key: string, sentAt: number) {
		super(
			`The outcome of the refresh of "${key}" sent at ${new Date(sentAt).toISOString()} is unknown and Atlassian's 10-minute reuse window has passed; ask the user to sign in again, or retry with { retryUnknownOutcome: true } to accept the risk of revoking the grant`,
		);
		this.name = "RefreshOutcomeUnknownError";
		this.key = key;
		this.sentAt = sentAt;
	}
}
brandError(RefreshOutcomeUnknownError, "RefreshOutcomeUnknownError");

/**
 * A write reached the store's primary, but fewer replicas than required acknowledged it in time: a failover
 * now could still erase it (replication is asynchronous). Thrown by stores with a durability option, such as
 * `RedisTokenStore`'s `durability`. `TokenManager` keeps such a rotated set to itself and writes it again
 * until enough replicas have it; a caller sees this error only when that takes longer than `lockWaitMs`.
 */
export class TokenWriteNotDurableError extends Error {
	public key: string;
	public acknowledged: number;
	public required: number;

	constructor(key: string, acknowledged: number, required: number) {
		super(
			`The write for "${key}" reached the primary but only ${acknowledged} of ${required} replicas acknowledged it in time; a failover could still erase it. Check the replicas' health`,
		);
		this.name = "TokenWriteNotDurableError";
		this.key = key;
		this.acknowledged = acknowledged;
		this.required = required;
	}
}
brandError(TokenWriteNotDurableError, "TokenWriteNotDurableError");

/**
 * A stored record is not a token set this library wrote (invalid JSON, missing or mistyped fields — often
 * another program writing under the same key or table). The record is left in place; `TokenManager.save()`
 * (a new sign-in) replaces it.
 */
export class CorruptTokenRecordError extends Error {
	public key: string;

	constructor(key: string) {
		super(`The stored record for "${key}" is not a valid token set; sign the user in again (save() replaces it) or delete it`);
		this.name = "CorruptTokenRecordError";
		this.key = key;
	}
}
brandError(CorruptTokenRecordError, "CorruptTokenRecordError");

/**
 * The connection was disabled (`TokenManager.disable()`): it is not refreshed, kept alive or handed out until
 * `enable()` or a new sign-in (`save()`). Nothing was sent to Atlassian.
 */
export class ConnectionDisabledError extends Error {
	public key: string;
	/** When it was disabled, epoch ms. */
	public disabledAt: number;

	constructor(key: string, disabledAt: number) {
		super(`The connection "${key}" was disabled at ${new Date(disabledAt).toISOString()}: enable() it, or sign the user in again`);
		this.name = "ConnectionDisabledError";
		this.key = key;
		this.disabledAt = disabledAt;
	}
}
brandError(ConnectionDisabledError, "ConnectionDisabledError");
