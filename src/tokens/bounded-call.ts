import { ArcticFetchError } from "../oauth2/errors.js";
import { redactCause } from "../oauth2/redaction.js";
import { TokenStoreTimeoutError } from "./errors.js";
import { withoutTokens } from "./safe-error.js";
import type { TokenStoreCallOptions } from "./token-store.js";

interface Pending {
	deadline: number;
	fail(error: Error): void;
	what: { key: string; operation: string };
}

/** What a bounded call is: its key and operation, for errors, and the tokens a write carries, kept out of them. */
export interface StoreCallDescription {
	key: string;
	operation: string;
	tokens?: (string | null)[] | undefined;
}

/**
 * Bounds store calls so that none can hang its caller: each settles by `timeoutMs` (a `TokenStoreTimeoutError`,
 * at most a tenth of it late) or when the caller's signal aborts (an `ArcticFetchError` whose cause is the
 * reason), whichever comes first. The store gets a signal that aborts in both cases, made only if it reads it.
 * A store's own failure is passed on as a sanitized copy, without the tokens of the write (`withoutTokens`).
 *
 * One interval checks every pending call, instead of a timer per call: on a cached Redis read, a timer and an
 * `AbortSignal` per call cost more than the rest of `getAccessToken()`. The interval stops once nothing is
 * pending, and never keeps a Node process alive.
 */
export class StoreCallBounds {
	readonly #timeoutMs: number;
	readonly #tickMs: number;
	readonly #pending = new Set<Pending>();
	#interval: ReturnType<typeof setInterval> | undefined;

	constructor(timeoutMs: number) {
		this.#timeoutMs = timeoutMs;
		this.#tickMs = Math.max(5, Math.min(250, Math.floor(timeoutMs / 10)));
	}

	public run<T>(call: (options: TokenStoreCallOptions) => Promise<T>, what: StoreCallDescription, signal?: AbortSignal): Promise<T> {
		if (signal?.aborted) {
			return Promise.reject(new ArcticFetchError(redactCause(signal.reason, [])));
		}
		let controller: AbortController | undefined;
		let failure: Error | undefined;
		const options: TokenStoreCallOptions = {
			get signal() {
				if (controller === undefined) {
					controller = new AbortController();
					if (failure !== undefined) controller.abort(failure);
				}
				return controller.signal;
			},
		};
		return new Promise<T>((resolve, reject) => {
			const entry: Pending = {
				deadline: Date.now() + this.#timeoutMs,
				what,
				fail: (error) => {
					cleanup();
					failure = error;
					controller?.abort(error);
					reject(error);
				},
			};
			const onAbort = () => entry.fail(new ArcticFetchError(redactCause(signal?.reason, [])));
			const cleanup = () => {
				this.#pending.delete(entry);
				signal?.removeEventListener("abort", onAbort);
			};
			signal?.addEventListener("abort", onAbort, { once: true });
			this.#pending.add(entry);
			this.#watch();
			let running: Promise<T>;
			try {
				running = call(options);
			} catch (error) {
				running = Promise.reject(error);
			}
			running.then(
				(value) => {
					cleanup();
					resolve(value);
				},
				(error: unknown) => {
					cleanup();
					reject(withoutTokens(error, what.tokens));
				},
			);
		});
	}

	#watch(): void {
		if (this.#interval !== undefined) return;
		this.#interval = setInterval(() => {
			if (this.#pending.size === 0) {
				clearInterval(this.#interval);
				this.#interval = undefined;
				return;
			}
			const now = Date.now();
			for (const entry of [...this.#pending]) {
				if (entry.deadline <= now) entry.fail(new TokenStoreTimeoutError(entry.what.key, entry.what.operation, this.#timeoutMs));
			}
		}, this.#tickMs);
		// Node and Bun: a pending store call must not keep the process alive by itself.
		(this.#interval as { unref?: () => void }).unref?.();
	}
}
