/**
 * A successful token response. Accessors validate lazily: a field is only checked when you ask for it,
 * so a provider that omits a field you never use does not break sign-in.
 */
export class OAuth2Tokens {
	public data: object;
	/** Epoch milliseconds at which the response arrived; expiry is computed from this, not from "now". */
	readonly #receivedAt: number;

	constructor(data: object, receivedAt: number = Date.now()) {
		this.data = data;
		this.#receivedAt = receivedAt;
	}

	public tokenType(): string {
		return this.#string("token_type");
	}

	public accessToken(): string {
		return this.#string("access_token");
	}

	public accessTokenExpiresInSeconds(): number {
		const value = (this.data as Record<string, unknown>).expires_in;
		if (typeof value === "number" && Number.isFinite(value) && value >= 0) {
			return value;
		}
		throw new Error("Missing or invalid 'expires_in' field");
	}

	/** Fixed at the moment the response arrived: asking later does not move the expiry. */
	public accessTokenExpiresAt(): Date {
		return new Date(accessTokenExpiry(this.#receivedAt, this.accessTokenExpiresInSeconds()));
	}

	public hasRefreshToken(): boolean {
		return typeof (this.data as Record<string, unknown>).refresh_token === "string";
	}

	public refreshToken(): string {
		return this.#string("refresh_token");
	}

	public hasScopes(): boolean {
		return typeof (this.data as Record<string, unknown>).scope === "string";
	}

	public scopes(): string[] {
		return this.#string("scope")
			.split(" ")
			.filter((scope) => scope !== "");
	}

	public idToken(): string {
		return this.#string("id_token");
	}

	#string(field: string): string {
		const value = (this.data as Record<string, unknown>)[field];
		if (typeof value === "string") {
			return value;
		}
		throw new Error(`Missing or invalid '${field}' field`);
	}
}

/**
 * The one expiry rule: when an access token issued at `issuedAtMs` (epoch ms) with `expires_in` of
 * `expiresInSeconds` expires, in whole ms, counting at most `maxSeconds` of lifetime (`TokenManager` stores
 * at most 24 h, so a broken `expires_in` cannot keep a dead token "fresh").
 */
export function accessTokenExpiry(issuedAtMs: number, expiresInSeconds: number, maxSeconds = Number.POSITIVE_INFINITY): number {
	return issuedAtMs + Math.floor(Math.min(expiresInSeconds, maxSeconds) * 1000);
}
