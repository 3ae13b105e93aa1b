import { deadlineSignal } from "../internal/abortable.js";
import { backoff } from "../internal/backoff.js";
import { sleep } from "../internal/sleep.js";
import { OAuth2RequestError } from "../oauth2/errors.js";
import { classifyRefreshFailure } from "../oauth2/reauthorization.js";
import type { OAuth2Tokens } from "../oauth2/tokens.js";
import { withFailure } from "./connection.js";
import { RefreshOutcomeUnknownError } from "./errors.js";
import type { LeaseKeeper } from "./lease-keeper.js";
import { isAnswered, notify, type RefreshContext, readRefreshable, refreshFailed, type SendClaim } from "./refresh-context.js";
import { mayResend, untilResendMs } from "./reuse-window.js";
import { storeRotatedTokenSet } from "./rotated-write.js";
import { withoutTokens } from "./safe-error.js";
import { rotatedTokenSet } from "./token-set.js";
import { isStoredTokenSet, type StoredTokenSet } from "./token-store.js";

// The refresh itself, under a held lease: claim the send, send, then store the rotated set or record the failure.

/** Refreshes under a held lease; `undefined` when the lease or the record moved meanwhile, to start over. */
export async function refreshHoldingLease(
	context: RefreshContext,
	key: string,
	seenVersion: number,
	force: boolean,
	retryUnknownOutcome: boolean,
	keeper: LeaseKeeper,
): Promise<StoredTokenSet | undefined> {
	// Re-read under the lease: the previous holder may have rotated the refresh token we saw.
	const current = await readRefreshable(context, key);
	if (isAnswered(context, current, seenVersion, force)) {
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
	const sentAt = current.refreshSentAt ?? context.now();
	if (current.refreshSentAt !== undefined && !retryUnknownOutcome && !mayResend(sentAt, context.now())) {
		throw refreshFailed(context, key, new RefreshOutcomeUnknownError(key, sentAt));
	}
	// Another process's send may still be on its way (its holder stalled, and its lease lapsed): never two at once.
	const waitMs = context.settledSends.has(key, current.version) ? 0 : untilResendMs(current, context.now());
	if (waitMs > 0) {
		await sleep(waitMs);
		const again = await readRefreshable(context, key);
		// Its holder came back and stored the answer meanwhile, or someone else moved the record: no resend.
		if (isAnswered(context, again, seenVersion, force)) return again;
		if (again.version !== current.version) return undefined;
	}
	const claim = await claimRefreshSend(context, key, current, current.refreshToken, sentAt, keeper);
	return claim === undefined ? undefined : sendRefresh(context, key, claim, keeper);
}

/**
 * Records, fenced, that this refresh token is being sent and until when: if the answer is lost, whoever reads
 * this next knows the token may have rotated, waits for the send's deadline, and any write based on the old
 * version is refused. `undefined` when the lease may lapse before the send's deadline, or the record moved.
 */
async function claimRefreshSend(
	context: RefreshContext,
	key: string,
	current: StoredTokenSet,
	refreshToken: string,
	sentAt: number,
	keeper: LeaseKeeper,
): Promise<SendClaim | undefined> {
	// No refresh is sent on a lease that may lapse before the answer could be written.
	if (!(await keeper.holdsFor(context.leaseTtlMs / 2))) {
		return undefined;
	}
	const claim: SendClaim = {
		...current,
		refreshToken,
		refreshSentAt: sentAt,
		refreshDeadline: context.now() + context.refreshTimeoutMs,
		version: current.version + 1,
	};
	return (await context.access.compareAndSet(key, current.version, claim)) ? claim : undefined;
}

/** Sends the claimed refresh token, again inside the reuse window when an answer is lost, and stores what comes back. */
async function sendRefresh(
	context: RefreshContext,
	key: string,
	sent: SendClaim,
	keeper: LeaseKeeper,
): Promise<StoredTokenSet | undefined> {
	// In-process resends after an answer was lost (250 ms, 1 s, 4 s), before leaving recovery to a later call or another process.
	const resendDelays = backoff({ firstMs: 250, factor: 4, maxMs: 4_000, attempts: 3 });
	let claim = sent;
	for (;;) {
		let tokens: OAuth2Tokens;
		try {
			tokens = await sendRefreshRequest(context, claim, keeper);
			context.settledSends.forget(key);
		} catch (failure) {
			context.settledSends.remember(key, claim.version);
			const error = withoutTokens(failure, [claim.refreshToken, claim.accessToken]);
			claim = await processRefreshFailure(context, key, claim, error, resendDelays, keeper);
			continue;
		}
		const { tokens: next, event } = context.events.stage("refresh", claim, rotatedTokenSet(tokens, claim, context.now()));
		if (!isStoredTokenSet(next)) {
			// Only a refresher of your own can get here (this library's OAuth2Tokens cannot yield such a set): refused
			// once, here, rather than taken for a store failure and written again and again in the background.
			throw refreshFailed(context, key, new TypeError(`Refusing to store an invalid token set for "${key}"`));
		}
		return storeRotatedTokenSet(context, key, claim, next, event, keeper);
	}
}

/**
 * One send of the claim's refresh token, given up at `refreshTimeoutMs` or when the lease may lapse, whichever
 * is first: a process that takes the lease over waits for the claim's deadline, so two sends of one refresh
 * token are never in flight at once.
 */
async function sendRefreshRequest(context: RefreshContext, claim: SendClaim, keeper: LeaseKeeper): Promise<OAuth2Tokens> {
	const lapse = keeper.lapseSignal(context.leaseTtlMs / 6);
	const { signal, clear } = deadlineSignal(context.refreshTimeoutMs, lapse, "The refresh was given up: no answer");
	try {
		return await context.provider.refreshAccessToken(claim.refreshToken, { signal });
	} finally {
		clear();
	}
}

/**
 * After a failed send: records a refusal and throws; or, when Atlassian may have rotated the token (timeout,
 * reset, 5xx), claims the same token again for a resend inside the reuse window, or throws when none is left.
 */
async function processRefreshFailure(
	context: RefreshContext,
	key: string,
	claim: SendClaim,
	error: unknown,
	resendDelays: Iterator<number, void>,
	keeper: LeaseKeeper,
): Promise<SendClaim> {
	const outcome = classifyRefreshFailure(error);
	if (outcome !== "unknown") {
		// Answered and refused: nothing rotated. Only a refusal of the grant needs a new sign-in.
		const reauthorizationRequired = outcome === "reauthorization_required" ? { reauthorizationRequired: true } : {};
		const answered = { ...claim, ...reauthorizationRequired, refreshSentAt: undefined, refreshDeadline: undefined };
		await writeRefreshOutcome(context, key, claim, withFailure(answered, error, context.now()));
		if (outcome === "reauthorization_required") {
			notify(() => context.hooks.onReauthorizationRequired?.(key, error as OAuth2RequestError));
		}
		throw refreshFailed(context, key, error);
	}
	const delay = resendDelays.next();
	if (delay.done === true || !mayResend(claim.refreshSentAt, context.now(), delay.value)) {
		// The sent mark stays (the token may have rotated); the failure is counted with it: the connection is degraded.
		if (await writeRefreshOutcome(context, key, claim, withFailure(claim, error, context.now()))) {
			context.settledSends.remember(key, claim.version + 1);
		}
		throw refreshFailed(context, key, error);
	}
	await sleep(delay.value);
	const resend = await claimRefreshSend(context, key, claim, claim.refreshToken, claim.refreshSentAt, keeper).catch(() => undefined);
	if (resend === undefined) {
		throw refreshFailed(context, key, error);
	}
	return resend;
}

/**
 * Records how a refresh ended (refused, re-authorization required, or failed with its outcome unknown), with the
 * failure counted. Best effort: the caller gets the refresh's error either way. `true` when it was written.
 */
async function writeRefreshOutcome(context: RefreshContext, key: string, claim: StoredTokenSet, outcome: StoredTokenSet): Promise<boolean> {
	const { tokens, event } = context.events.stage("failure", claim, { ...outcome, version: claim.version + 1 });
	try {
		const written = await context.access.compareAndSet(key, claim.version, tokens);
		if (written) context.events.written(key, event);
		return written;
	} catch {
		// The mark stays; the next holder retries inside the reuse window, or reports the outcome unknown.
		return false;
	}
}
