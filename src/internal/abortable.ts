/**
 * `promise`, or a rejection with `reason(signal)` as soon as `signal` aborts, whichever comes first. `promise`
 * itself carries on (its later failure is swallowed): a caller stops waiting, nothing is undone. The one
 * definition of racing work against an abort signal; no listener stays on a long-lived signal.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, reason: (signal: AbortSignal) => unknown): Promise<T> {
	if (signal === undefined) {
		return promise;
	}
	if (signal.aborted) {
		promise.catch(() => {});
		return Promise.reject(reason(signal));
	}
	let onAbort: () => void = () => {};
	const aborted = new Promise<never>((_, reject) => {
		onAbort = () => reject(reason(signal));
		signal.addEventListener("abort", onAbort, { once: true });
	});
	promise.catch(() => {});
	return Promise.race([promise, aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}

/**
 * A signal that aborts at a deadline (a `TimeoutError` `DOMException` saying `what`), or when `userSignal` does,
 * whichever comes first; `clear()` stops the timer and drops the listener. Built without `AbortSignal.any`,
 * which not every runtime has.
 */
export function deadlineSignal(
	timeoutMs: number,
	userSignal: AbortSignal | undefined,
	what: string,
): { signal: AbortSignal; clear(): void } {
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(new DOMException(`${what} within ${timeoutMs} ms`, "TimeoutError")), timeoutMs);
	const onAbort = () => controller.abort(userSignal?.reason);
	if (userSignal?.aborted) onAbort();
	userSignal?.addEventListener("abort", onAbort, { once: true });
	return {
		signal: controller.signal,
		clear() {
			clearTimeout(timer);
			userSignal?.removeEventListener("abort", onAbort);
		},
	};
}
