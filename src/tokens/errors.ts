/** `TokenManager` has nothing stored under this key: call `save()` after the user signs in. */
export class TokenNotFoundError extends Error {
	public key: string;

	constructor(key: string) {
		super(`No tokens are stored for "${key}": call TokenManager.save() after the user signs in`);
		this.name = "TokenNotFoundError";
		this.key = key;
	}
}

/** Another process held the refresh lock for longer than this process was willing to wait. Safe to retry. */
export class TokenLockTimeoutError extends Error {
	public key: string;

	constructor(key: string, waitedMs: number) {
		super(`Timed out after ${waitedMs} ms waiting for another process to finish refreshing "${key}"; retry later`);
		this.name = "TokenLockTimeoutError";
		this.key = key;
	}
}
