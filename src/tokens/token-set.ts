import { accessTokenExpiry, type OAuth2Tokens } from "../oauth2/tokens.js";
import type { StoredTokenSet } from "./token-store.js";

// The rules of a stored token set: when it expires, when it is fresh, and what a sign-in or a refresh stores.

/** Atlassian's access tokens live 3600 s; a far larger `expires_in` is a broken answer, not a reason to store garbage. */
const MAX_ACCESS_TOKEN_LIFETIME_SECONDS = 24 * 3600;

/** Expiry from a finite, capped `expires_in`; without a usable one, due for refresh at once rather than lose the rotated refresh token. */
export function storedExpiry(tokens: OAuth2Tokens, now: number): number {
	let seconds: number;
	try {
		seconds = tokens.accessTokenExpiresInSeconds();
	} catch {
		return now;
	}
	return accessTokenExpiry(now, seconds, MAX_ACCESS_TOKEN_LIFETIME_SECONDS);
}

/** True when the access token does not expire within the refresh window. */
export function isFresh(tokens: StoredTokenSet, now: number, refreshWindowMs: number): boolean {
	return tokens.expiresAt - now > refreshWindowMs;
}

/** What a new sign-in stores, but its version. */
export function signedInTokenSet(tokens: OAuth2Tokens, now: number): Omit<StoredTokenSet, "version"> {
	return {
		accessToken: tokens.accessToken(),
		refreshToken: tokens.hasRefreshToken() ? tokens.refreshToken() : null,
		expiresAt: storedExpiry(tokens, now),
		scopes: tokens.hasScopes() ? tokens.scopes() : [],
		consentedAt: now,
		issuedAt: now,
	};
}

/**
 * What a refresh stores in place of `sent`, the set whose refresh token was sent: its consent, its outbox of
 * events not yet told and, when the answer lacks them, its refresh token and scopes.
 */
export function rotatedTokenSet(tokens: OAuth2Tokens, sent: StoredTokenSet & { refreshToken: string }, now: number): StoredTokenSet {
	return {
		accessToken: tokens.accessToken(),
		// Atlassian sometimes answers without a new refresh token: the one we sent stays valid then.
		refreshToken: tokens.hasRefreshToken() ? tokens.refreshToken() : sent.refreshToken,
		expiresAt: storedExpiry(tokens, now),
		scopes: tokens.hasScopes() ? tokens.scopes() : sent.scopes,
		version: sent.version + 1,
		consentedAt: sent.consentedAt,
		issuedAt: now,
		...(sent.pendingEvents === undefined ? {} : { pendingEvents: sent.pendingEvents }),
	};
}
