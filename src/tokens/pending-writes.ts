import { backoff } from "../internal/backoff.js";
import { sleep } from "../internal/sleep.js";
import type { LeaseKeeper } from "./lease-keeper.js";
import type { StoredTokenSet } from "./token-store.js";

/** How a queued set is written, and who hears of each attempt. */
export interface PendingWrite {
	/** Writes the set, fenced: `true` when it is stored, `false` when newer data won (then it is dropped). */
	write(): Promise<boolean>;
	/** After the set was stored. */
	onWritten(): void;
	/** After an attempt failed; `attempt` counts every failed write of this set, in the foreground too. */
	onFailed(error: unknown, attempt: number): void;
}

/**
 * Rotated sets the store has not safely taken yet, written again in the background with backoff (250 ms
 * doubling to 5 s) until the store takes them or newer data wins. The set's lease is retained meanwhile.
 * `served`: handed to this process's callers meanwhile (the store failed); not when the store took it without
 * enough replicas.
 */
export class PendingWrites {
	readonly #pending = new Map<string, { tokens: StoredTokenSet; served: boolean }>();

	/** A rotated set this process is still writing and may hand out, if any. */
	public served(key: string): StoredTokenSet | undefined {
		const pending = this.#pending.get(key);
		return pending?.served ? pending.tokens : undefined;
	}

	/** Stops writing `key`'s set: it was saved or deleted in this process. */
	public delete(key: string): void {
		this.#pending.delete(key);
	}

	/** Queues `tokens` for `key` in place of any queued before; `failedAttempts`: how many writes of it failed already. */
	public add(key: string, tokens: StoredTokenSet, served: boolean, keeper: LeaseKeeper, failedAttempts: number, how: PendingWrite): void {
		const pending = { tokens, served };
		this.#pending.set(key, pending);
		keeper.retain();
		void (async () => {
			let attempt = failedAttempts;
			try {
				for (const delayMs of backoff({ firstMs: 250, maxMs: 5_000 })) {
					if (this.#pending.get(key) !== pending) return;
					await sleep(delayMs);
					if (this.#pending.get(key) !== pending) return; // saved or deleted in this process meanwhile
					try {
						if (await how.write()) how.onWritten();
						return;
					} catch (error) {
						attempt++;
						how.onFailed(error, attempt);
					}
				}
			} finally {
				if (this.#pending.get(key) === pending) this.#pending.delete(key);
				await keeper.release();
			}
		})();
	}
}
