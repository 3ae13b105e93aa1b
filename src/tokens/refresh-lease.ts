import { backoff } from "../internal/backoff.js";
import { sleep } from "../internal/sleep.js";
import { TokenLeaseTimeoutError } from "./errors.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { isAnswered, type RefreshContext, readRefreshable } from "./refresh-context.js";
import { refreshHoldingLease } from "./refresh-send.js";
import type { StoredTokenSet, TokenStoreLease } from "./token-store.js";
import { Wakeup } from "./wakeup.js";

/**
 * The refresh protocol's first step, across processes: take the connection's lease and refresh, or wait for
 * whoever holds it, until the stored set answers the caller. Everything it writes is fenced on the record's
 * version, so a holder whose lease lapsed cannot write over newer data.
 */
export async function refreshUnderLease(
	context: RefreshContext,
	key: string,
	seenVersion: number,
	force: boolean,
	retryUnknownOutcome: boolean,
): Promise<StoredTokenSet> {
	// Watched before the first look, so that a change between a look and the wait after it is not slept through.
	const wakeup = new Wakeup();
	let unwatch: (() => void) | undefined;
	try {
		unwatch = context.access.store.watch?.(key, wakeup.notify);
	} catch {
		// No notifications: polling alone still gets there.
	}
	try {
		return await refreshOrWait(context, key, seenVersion, force, retryUnknownOutcome, wakeup);
	} finally {
		try {
			unwatch?.();
		} catch {
			// Nothing to undo.
		}
	}
}

/**
 * Takes the lease and refreshes, or waits for whoever holds it: woken by the store's notification, or after a
 * jittered backoff (25 ms doubling to 500 ms) when there is none, or it was lost. Gives up after `leaseWaitMs`.
 */
async function refreshOrWait(
	context: RefreshContext,
	key: string,
	seenVersion: number,
	force: boolean,
	retryUnknownOutcome: boolean,
	wakeup: Wakeup,
): Promise<StoredTokenSet> {
	const waitUntil = Date.now() + context.leaseWaitMs;
	let endWait: (() => void) | undefined;
	try {
		for (const delayMs of backoff({ firstMs: 25, maxMs: 500, jitter: true })) {
			const keeper = await tryLease(context, key);
			if (keeper !== null) {
				endWait?.();
				endWait = undefined;
				try {
					const result = await refreshHoldingLease(context, key, seenVersion, force, retryUnknownOutcome, keeper);
					if (result !== undefined) return result;
				} finally {
					await keeper.release();
				}
			} else {
				endWait ??= context.telemetry?.leaseWaitStarted(key);
				const current = await readRefreshable(context, key);
				if (isAnswered(context, current, seenVersion, force)) {
					return current;
				}
			}
			if (Date.now() + delayMs > waitUntil) break;
			await wakeup.sleep(delayMs);
		}
	} finally {
		endWait?.();
	}
	throw new TokenLeaseTimeoutError(key, context.leaseWaitMs);
}

/**
 * Runs `work` holding the connection's lease, taken as soon as its holder lets go (within `leaseWaitMs`): for
 * writes that must not land between a refresh's send and the write of its answer, such as `disable()`.
 */
export async function underLease<T>(context: RefreshContext, key: string, work: () => Promise<T>): Promise<T> {
	const waitUntil = Date.now() + context.leaseWaitMs;
	for (const delayMs of backoff({ firstMs: 25, maxMs: 500, jitter: true })) {
		const keeper = await tryLease(context, key);
		if (keeper !== null) {
			try {
				return await work();
			} finally {
				await keeper.release();
			}
		}
		if (Date.now() + delayMs > waitUntil) break;
		await sleep(delayMs);
	}
	throw new TokenLeaseTimeoutError(key, context.leaseWaitMs);
}

/** The connection's lease, kept renewed, or `null` when another holder has it. */
export async function tryLease(context: Pick<RefreshContext, "access" | "leaseTtlMs">, key: string): Promise<LeaseKeeper | null> {
	const { access, leaseTtlMs } = context;
	// Lease validity is counted from before the request: a store that answers late cannot stretch it.
	const acquiredAt = Date.now();
	const lease = await access.call(key, "acquireLease", (call) => access.store.acquireLease(key, leaseTtlMs, call));
	if (lease === null) return null;
	return new LeaseKeeper(lease, leaseTtlMs, acquiredAt, {
		renew: (held, ttlMs) => access.call(key, "renew", (call) => held.renew(ttlMs, call)),
		release: (held: TokenStoreLease) => access.call(key, "release", (call) => held.release(call)),
	});
}
