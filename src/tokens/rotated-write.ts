import { backoff } from "../internal/backoff.js";
import { sleep } from "../internal/sleep.js";
import { TokenWriteNotDurableError } from "./errors.js";
import type { LeaseKeeper } from "./lease-keeper.js";
import { notify, type RefreshContext } from "./refresh-context.js";
import type { PendingConnectionEvent, StoredTokenSet } from "./token-store.js";

/**
 * The last step of a refresh: writes the rotated set, fenced on the send's claim, before anyone sees its access
 * token. If the store fails, this process keeps the set, serves it, and keeps writing it (`PendingWrites`).
 * `undefined` when newer data won (a delete, a sign-in, a holder after our lease lapsed): start over.
 */
export async function storeRotatedTokenSet(
	context: RefreshContext,
	key: string,
	claim: StoredTokenSet,
	next: StoredTokenSet,
	event: PendingConnectionEvent | null,
	keeper: LeaseKeeper,
): Promise<StoredTokenSet | undefined> {
	const { hooks } = context;
	let failure: unknown;
	try {
		return await written(context, key, next, event, await writeRotated(context, key, claim, next));
	} catch (error) {
		failure = error;
	}
	if (failure instanceof TokenWriteNotDurableError) {
		// On the primary but not on enough replicas: a failover could erase it, so nobody gets it yet. Written
		// again while the lease is held, up to the lease wait; then the caller hears why, and the writing goes on.
		const giveUpAt = Date.now() + context.leaseWaitMs;
		let attempt = 1;
		for (const delayMs of backoff({ firstMs: 100, maxMs: 2_000 })) {
			const attempted = attempt;
			notify(() => hooks.onStoreWriteFailed?.(key, failure, attempted));
			if (Date.now() + delayMs > giveUpAt) {
				queueWrite(context, key, claim, next, event, keeper, false, attempt);
				throw failure;
			}
			await sleep(delayMs);
			try {
				return await written(context, key, next, event, await writeRotated(context, key, claim, next));
			} catch (error) {
				// A failover in progress fails writes outright for a while; the set is still not safe.
				failure = error instanceof TokenWriteNotDurableError ? error : failure;
			}
			attempt++;
		}
	}
	notify(() => hooks.onStoreWriteFailed?.(key, failure, 1));
	queueWrite(context, key, claim, next, event, keeper, true, 1);
	return next;
}

async function written(
	context: RefreshContext,
	key: string,
	next: StoredTokenSet,
	event: PendingConnectionEvent | null,
	stored: boolean,
): Promise<StoredTokenSet | undefined> {
	if (!stored) {
		return undefined;
	}
	context.events.written(key, event);
	await context.hooks.onRefresh?.(key, next);
	return next;
}

function queueWrite(
	context: RefreshContext,
	key: string,
	claim: StoredTokenSet,
	next: StoredTokenSet,
	event: PendingConnectionEvent | null,
	keeper: LeaseKeeper,
	served: boolean,
	failedAttempts: number,
): void {
	const { hooks } = context;
	context.pendingWrites.add(key, next, served, keeper, failedAttempts, {
		write: () => writeRotated(context, key, claim, next),
		onWritten: () => {
			context.events.written(key, event);
			notify(() => hooks.onRefresh?.(key, next));
		},
		onFailed: (error, attempt) => notify(() => hooks.onStoreWriteFailed?.(key, error, attempt)),
	});
}

/**
 * Writes a rotated set fenced on its claim; `false` when newer data won. Only one write from the claim's
 * version can succeed, so a record at `next.version` holding our tokens is ours — an earlier attempt whose
 * answer was lost, or that lacked replicas. Rewriting it in place confirms it (and, on a store with a
 * durability option, waits for its replicas again); any later write would have moved the version and makes
 * the rewrite a no-op.
 */
async function writeRotated(context: RefreshContext, key: string, claim: StoredTokenSet, next: StoredTokenSet): Promise<boolean> {
	const { access } = context;
	if (await access.compareAndSet(key, claim.version, next)) {
		return true;
	}
	const stored = await access.get(key);
	const ours =
		stored !== null &&
		stored.version === next.version &&
		stored.accessToken === next.accessToken &&
		stored.refreshToken === next.refreshToken;
	return ours && access.compareAndSet(key, next.version, next);
}
