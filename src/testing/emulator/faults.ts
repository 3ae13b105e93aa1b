import { sleep } from "../../internal/sleep.js";

/** A failure to serve instead of (or before) the normal answer. */
export interface EmulatorFault {
	/** Only requests whose path starts with this. Default: every request. */
	pathPrefix?: string;
	/** Answer with this status and body instead of the normal answer (no body for 204 and 304). */
	status?: number;
	body?: string;
	contentType?: string;
	/** Headers of that answer, e.g. `Retry-After` or `X-Failure-Category`. */
	headers?: Record<string, string>;
	/** Wait this long first (with `status` unset: then answer normally). */
	delayMs?: number;
	/** How many requests it applies to. Default 1. */
	times?: number;
}

/** Faults a test injected, served in the order given, each for its number of requests. */
export class FaultInjector {
	readonly #faults: EmulatorFault[] = [];

	public inject(fault: EmulatorFault): void {
		this.#faults.push({ times: 1, ...fault });
	}

	/** Applies the first fault that matches `path`: waits its delay, then returns its answer, if it has one. */
	public async apply(path: string): Promise<Response | undefined> {
		const fault = this.#take(path);
		if (fault?.delayMs) {
			await sleep(fault.delayMs);
		}
		if (fault?.status === undefined) {
			return undefined;
		}
		const empty = fault.status === 204 || fault.status === 304;
		return new Response(empty ? null : (fault.body ?? ""), {
			status: fault.status,
			headers: { ...(empty ? {} : { "Content-Type": fault.contentType ?? "application/json" }), ...fault.headers },
		});
	}

	#take(path: string): EmulatorFault | undefined {
		const index = this.#faults.findIndex((fault) => path.startsWith(fault.pathPrefix ?? "/"));
		const fault = this.#faults[index];
		if (fault === undefined) return undefined;
		fault.times = (fault.times ?? 1) - 1;
		if (fault.times <= 0) this.#faults.splice(index, 1);
		return fault;
	}
}
