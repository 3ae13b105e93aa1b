// What the server sent to Atlassian during one action, for the "What just happened" panel. The fetch handed to
// `Atlassian` records method, host, path, status and duration of each request; never headers or bodies, so no
// token or secret reaches the page.
import { AsyncLocalStorage } from "node:async_hooks";
import type { FetchFunction } from "../src/index.js";
import { sha256 } from "../src/internal/sha256.js";

export interface RecordedRequest {
	method: string;
	host: string;
	path: string;
	status: number | "failed";
	ms: number;
}

export class ActivityLog {
	readonly #current = new AsyncLocalStorage<RecordedRequest[]>();

	public readonly fetch: FetchFunction = async (input, init) => {
		const url = new URL(input instanceof Request ? input.url : String(input));
		const method = init?.method ?? (input instanceof Request ? input.method : "GET");
		const log = this.#current.getStore();
		const started = performance.now();
		const entry = (status: RecordedRequest["status"]) => ({
			method,
			host: url.host,
			path: url.pathname,
			status,
			ms: Math.round((performance.now() - started) * 10) / 10,
		});
		try {
			const response = await globalThis.fetch(input, init);
			log?.push(entry(response.status));
			return response;
		} catch (error) {
			log?.push(entry("failed"));
			throw error;
		}
	};

	/** Runs `work`, collecting every request it makes, including those of concurrent workers it starts. */
	public async capture<T>(work: () => Promise<T>): Promise<{ requests: RecordedRequest[]; result?: T; error?: unknown }> {
		const requests: RecordedRequest[] = [];
		try {
			return { requests, result: await this.#current.run(requests, work) };
		} catch (error) {
			return { requests, error };
		}
	}
}

/**
 * A token as the page may show it, never the token: a fingerprint (the first 6 hex digits of its SHA-256, which
 * tells two tokens apart and reveals nothing of either) and its length. JWTs all begin alike, so a prefix cannot.
 */
export function redactedToken(token: string | null | undefined): string {
	if (!token) return "—";
	const fingerprint = [...sha256(new TextEncoder().encode(token)).subarray(0, 3)]
		.map((byte) => byte.toString(16).padStart(2, "0"))
		.join("");
	return `#${fingerprint} (${token.length.toLocaleString("en-US")} characters)`;
}
