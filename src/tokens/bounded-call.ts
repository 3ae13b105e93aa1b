import { ArcticFetchError } from "../oauth2/errors.js";
import { TokenStoreTimeoutError } from "./errors.js";

/**
 * Runs one store call so that it can never hang its caller: it settles by `timeoutMs` (a
 * `TokenStoreTimeoutError`) or when `signal` aborts (an `ArcticFetchError` whose cause is the reason),
 * whichever comes first. The store gets a signal that aborts in both cases, so it can stop too.
 */
export function boundedCall<T>(
	call: (signal: AbortSignal) => Promise<T>,
	what: { key: string; operation: string },
	timeoutMs: number,
	signal?: AbortSignal,
): Promise<T> {
	if (signal?.aborted) {
		return Promise.reject(new ArcticFetchError(signal.reason));
	}
	const controller = new AbortController();
	return new Promise<T>((resolve, reject) => {
		const fail = (error: Error) => {
			cleanup();
			controller.abort(error);
			reject(error);
		};
		const onAbort = () => fail(new ArcticFetchError(signal?.reason));
		const timer = setTimeout(() => fail(new TokenStoreTimeoutError(what.key, what.operation, timeoutMs)), timeoutMs);
		const cleanup = () => {
			clearTimeout(timer);
			signal?.removeEventListener("abort", onAbort);
		};
		signal?.addEventListener("abort", onAbort, { once: true });
		let pending: Promise<T>;
		try {
			pending = call(controller.signal);
		} catch (error) {
			pending = Promise.reject(error);
		}
		pending.then(
			(value) => {
				cleanup();
				resolve(value);
			},
			(error: unknown) => {
				cleanup();
				reject(error);
			},
		);
	});
}
