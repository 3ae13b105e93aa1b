import { ArcticFetchError, OAuth2RequestError, UnexpectedErrorResponseBodyError, UnexpectedResponseError } from "../oauth2/errors.js";
import { classifyRefreshFailure } from "../oauth2/reauthorization.js";
import {
	type ConnectionErrorKind,
	type ConnectionReason,
	type ConnectionStatus,
	connectionStatus,
	type StoredTokenSet,
} from "./token-store.js";

// A connection's health, as kept with its record: what `TokenManager.getConnection()` reports.

const DAY_MS = 86_400_000;
/** Atlassian ends a refresh token unused for 90 days. */
const IDLE_LIMIT_MS = 90 * DAY_MS;
/** Atlassian ends a grant's refresh tokens 365 days after the consent, used or not. */
const GRANT_LIMIT_MS = 365 * DAY_MS;

/** A connection as an operator sees it: its status and why, its failures, and the limits Atlassian puts on it. No token. */
export interface ConnectionInfo {
	key: string;
	status: ConnectionStatus;
	/** Why it is not `active`: `refresh_failing`, `invalid_grant`, `grant_expired` (365 days after consent) or `disabled`; `null` when active. */
	reason: ConnectionReason | null;
	consecutiveFailures: number;
	/** Epoch ms, or `null` when no refresh failed since the last success. */
	lastFailureAt: number | null;
	lastErrorKind: ConnectionErrorKind | null;
	/** When the user consented, epoch ms (`null` for a record written before 0.2 recorded it). */
	grantedAt: number | null;
	/** When the last refresh stored a new set, epoch ms; `null` until the first one after the sign-in. */
	refreshedAt: number | null;
	accessTokenExpiresAt: number;
	/** When Atlassian ends the refresh token if it is not used: 90 days after it was issued. */
	idleExpiresAt: number | null;
	/** When Atlassian ends the grant, however often it is used: 365 days after the consent. */
	grantExpiresAt: number | null;
	scopes: string[];
	version: number;
}

export function connectionInfo(key: string, tokens: StoredTokenSet): ConnectionInfo {
	const status = connectionStatus(tokens);
	const grantExpiresAt = grantEnd(tokens);
	return {
		key,
		status,
		reason: connectionReason(tokens, status),
		consecutiveFailures: tokens.consecutiveFailures ?? 0,
		lastFailureAt: tokens.lastFailureAt ?? null,
		lastErrorKind: tokens.lastErrorKind ?? null,
		grantedAt: tokens.consentedAt ?? null,
		refreshedAt: tokens.issuedAt !== undefined && tokens.issuedAt !== tokens.consentedAt ? tokens.issuedAt : null,
		accessTokenExpiresAt: tokens.expiresAt,
		idleExpiresAt: tokens.issuedAt === undefined ? null : tokens.issuedAt + IDLE_LIMIT_MS,
		grantExpiresAt,
		scopes: [...tokens.scopes],
		version: tokens.version,
	};
}

/** Why a connection of `status` is not active, read from its stored set; `null` when it is active. */
export function connectionReason(tokens: StoredTokenSet, status: ConnectionStatus = connectionStatus(tokens)): ConnectionReason | null {
	const grantExpiresAt = grantEnd(tokens);
	const { lastFailureAt } = tokens;
	switch (status) {
		case "active":
			return null;
		case "degraded":
			return "refresh_failing";
		case "disabled":
			return "disabled";
		default:
			// Refused past the 365-day limit: the grant ended, rather than a revocation or a spent token.
			return grantExpiresAt !== null && lastFailureAt !== undefined && lastFailureAt >= grantExpiresAt ? "grant_expired" : "invalid_grant";
	}
}

/** When Atlassian ends the grant: 365 days after the consent; `null` when the consent was not recorded (0.1). */
function grantEnd(tokens: StoredTokenSet): number | null {
	return tokens.consentedAt === undefined ? null : tokens.consentedAt + GRANT_LIMIT_MS;
}

/** What a failed refresh met, read from its error. */
export function connectionErrorKind(error: unknown): ConnectionErrorKind {
	if (classifyRefreshFailure(error) === "reauthorization_required") return "invalid_grant";
	if (error instanceof ArcticFetchError) {
		const cause = error.cause as { name?: unknown } | undefined;
		return cause?.name === "TimeoutError" ? "timeout" : "network";
	}
	if (
		error instanceof OAuth2RequestError ||
		error instanceof UnexpectedResponseError ||
		error instanceof UnexpectedErrorResponseBodyError
	) {
		const status = error.status ?? 0;
		if (status === 429) return "rate_limited";
		// A 4xx that is not a refusal of the grant: the client id or secret, or the token URL, is wrong.
		return status >= 500 || status === 0 ? "server" : "client_config";
	}
	return "network";
}

/** The set a failed refresh leaves: `sent` with one more failure counted, at `now`. */
export function withFailure(sent: StoredTokenSet, error: unknown, now: number): StoredTokenSet {
	return {
		...sent,
		consecutiveFailures: (sent.consecutiveFailures ?? 0) + 1,
		lastFailureAt: now,
		lastErrorKind: connectionErrorKind(error),
	};
}
