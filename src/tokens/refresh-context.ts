import { OAuth2RequestError } from "../oauth2/errors.js";
import type { Telemetry } from "../oauth2/telemetry.js";
import { ConnectionDisabledError, TokenNotFoundError } from "./errors.js";
import type { EventOutbox } from "./event-outbox.js";
import type { PendingWrites } from "./pending-writes.js";
import type { SettledSends } from "./reuse-window.js";
import type { StoreAccess } from "./store-access.js";
import type { TokenManagerOptions, TokenRefresher } from "./token-manager-options.js";
import { isFresh } from "./token-set.js";
import type { StoredTokenSet } from "./token-store.js";

/**
 * What every step of the refresh protocol reads: one per `TokenManager`, built once from its options, the way
 * one `Configuration` serves every grant in oauth4webapi.
 */
export interface RefreshContext {
	readonly provider: TokenRefresher;
	readonly access: StoreAccess;
	readonly hooks: Pick<TokenManagerOptions, "onRefresh" | "onRefreshFailed" | "onReauthorizationRequired" | "onStoreWriteFailed">;
	/** The refresh lease's time to live. */
	readonly leaseTtlMs: number;
	/** How long a refresh waits for another holder's lease. */
	readonly leaseWaitMs: number;
	/** The longest one refresh request may take. */
	readonly refreshTimeoutMs: number;
	/** A token set expiring within this is refreshed. */
	readonly refreshWindowMs: number;
	now(): number;
	readonly pendingWrites: PendingWrites;
	readonly settledSends: SettledSends;
	/** Connection events: made with each write, told once it landed (`onConnectionEvent`). */
	readonly events: EventOutbox;
	/** Instrumentation of refreshes and lease waits; none by default. */
	readonly telemetry: Telemetry | undefined;
}

/** A send of a refresh token, recorded in the store before it goes out. */
export type SendClaim = StoredTokenSet & { refreshToken: string; refreshSentAt: number; refreshDeadline: number };

/** Runs a hook of the user's. A failing hook must not mask what happened to the tokens. */
export function notify(hook: () => unknown): void {
	try {
		const result = hook();
		if (result instanceof Promise) result.catch(() => {});
	} catch {
		// Ignored, as documented for every hook.
	}
}

/** Tells `onRefreshFailed`, and gives the error back to be thrown. */
export function refreshFailed(context: RefreshContext, key: string, error: unknown): unknown {
	notify(() => context.hooks.onRefreshFailed?.(key, error));
	return error;
}

/** The stored set of a connection that may be refreshed; throws when there is none, when it is disabled, or when it needs a new sign-in. */
export async function readRefreshable(context: RefreshContext, key: string, signal?: AbortSignal): Promise<StoredTokenSet> {
	const stored = await context.access.get(key, signal);
	context.events.found(key, stored);
	if (stored === null) {
		throw new TokenNotFoundError(key);
	}
	if (stored.disabledAt !== undefined) {
		throw new ConnectionDisabledError(key, stored.disabledAt);
	}
	if (stored.reauthorizationRequired) {
		throw reauthorizationError();
	}
	return stored;
}

/**
 * True when `current` already answers the caller: (not forced) it is fresh; or another process refreshed after
 * we looked. A newer version is not enough: a failed refresh is written too (its failure counted), and its
 * expired access token answers nobody.
 */
export function isAnswered(context: RefreshContext, current: StoredTokenSet, seenVersion: number, force: boolean): boolean {
	// A refresh whose answer was never stored is not an answer: it must be recovered.
	if (current.refreshSentAt !== undefined) {
		return false;
	}
	const now = context.now();
	if (!force && isFresh(current, now, context.refreshWindowMs)) {
		return true;
	}
	return current.version > seenVersion && (current.consecutiveFailures ?? 0) === 0 && current.expiresAt > now;
}

function reauthorizationError(): OAuth2RequestError {
	// `null`: no HTTP response says it now; a refresh was refused earlier.
	return new OAuth2RequestError(
		"invalid_grant",
		"Atlassian rejected this connection's refresh token earlier; the user must sign in again",
		null,
		null,
		null,
	);
}
