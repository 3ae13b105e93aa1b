import type { StoredTokenSet } from "./token-store.js";

// Atlassian's reuse window, and when a refresh token whose answer was lost may be sent again.

/** Atlassian lets the immediately previous refresh token be exchanged again for 10 minutes after it rotated. */
const REUSE_WINDOW_MS = 10 * 60_000;
/** We resend only this far into the window, so clock skew between us and Atlassian cannot carry a resend past it. */
const RESEND_WINDOW_MS = REUSE_WINDOW_MS - 60_000;
/**
 * Another process's send of a refresh token is given up at its recorded deadline; it is not sent again before
 * that deadline has passed by this much. It covers clocks that disagree and a process whose event loop stalled
 * after its request was handed to fetch, so that request leaves late.
 */
const RESEND_MARGIN_MS = 5_000;
/** A mark written before deadlines were recorded: its send had at most the transport's 30 s. */
const LEGACY_SEND_DEADLINE_MS = 30_000;
/** How many settled sends a process remembers; past it, the oldest is forgotten, which only costs a wait. */
const SETTLED_SENDS_REMEMBERED = 10_000;

/** Whether a refresh token first sent at `sentAt` may be sent again `afterMs` from `now`: inside the reuse window. */
export function mayResend(sentAt: number, now: number, afterMs = 0): boolean {
	return now + afterMs - sentAt < RESEND_WINDOW_MS;
}

/** How long to wait before sending again a refresh token another send of which may still be in flight; 0: none may be. */
export function untilResendMs(current: StoredTokenSet, now: number): number {
	if (current.refreshSentAt === undefined) return 0;
	const deadline = current.refreshDeadline ?? current.refreshSentAt + LEGACY_SEND_DEADLINE_MS;
	return Math.max(0, deadline + RESEND_MARGIN_MS - now);
}

/**
 * By key, the version of the last sent mark this process wrote whose send has settled (failed or was given
 * up): no request of it can still be on its way, so it may be sent again without waiting for its deadline.
 */
export class SettledSends {
	readonly #versions = new Map<string, number>();

	public remember(key: string, version: number): void {
		this.#versions.delete(key);
		this.#versions.set(key, version);
		if (this.#versions.size > SETTLED_SENDS_REMEMBERED) {
			this.#versions.delete(this.#versions.keys().next().value as string);
		}
	}

	public forget(key: string): void {
		this.#versions.delete(key);
	}

	public has(key: string, version: number): boolean {
		return this.#versions.get(key) === version;
	}
}
