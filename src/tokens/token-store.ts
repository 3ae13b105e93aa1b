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
	/** Incremented on every write by `TokenManager`, so a process can tell that another one refreshed meanwhile. */
	version: number;
}

/** A held lock. `release()` frees it only if it is still this holder's: an expired lock taken over by another process is left alone. */
export interface TokenStoreLock {
	release(): Promise<void>;
}

/**
 * Where `TokenManager` keeps token sets, and how processes take turns refreshing them.
 * `MemoryTokenStore` serves one process; `RedisTokenStore` (`atlassian-3lo/redis`) serves many.
 */
export interface TokenStore {
	get(key: string): Promise<StoredTokenSet | null>;
	set(key: string, tokens: StoredTokenSet): Promise<void>;
	delete(key: string): Promise<void>;
	/**
	 * Try once to take the refresh lock of `key` for `ttlMs`; resolve `null` at once if another holder has it.
	 * The lock must expire by itself after `ttlMs`, so a crashed process cannot block a connection forever.
	 */
	lock(key: string, ttlMs: number): Promise<TokenStoreLock | null>;
}

/** Checks a value read back from a store, so a corrupt or foreign record is an error rather than a token. */
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
		Number.isSafeInteger(record.version)
	);
}
