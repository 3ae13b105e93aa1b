/**
 * The only module that calls fetch (scripts/check-architecture.mjs checks it). Every HTTP request this package
 * sends (token endpoint, revocation, Atlassian's APIs) goes through `send()` or `sendForResponse()`, under one
 * `Transport`. The stores talk to Redis and Postgres through the client the user gives them.
 */
import { abortable } from "../internal/abortable.js";
import { parseJson } from "../internal/json.js";
import { checkTimerDuration } from "../internal/timer-duration.js";
import { ArcticFetchError, UnexpectedResponseError } from "./errors.js";
import { redactCause, secretEncodings } from "./redaction.js";
import type { Telemetry } from "./telemetry.js";

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface RequestOptions {
	signal?: AbortSignal;
}

/**
 * How a client reaches the network, built once per client (as openid-client's `Configuration`) and read by
 * every request it sends, token requests and API requests alike: one fetch, one deadline, one list of secrets.
 */
export interface Transport {
	/** When undefined, the global `fetch` is looked up at call time, so msw and test doubles installed later still apply. */
	readonly fetch: FetchFunction | undefined;
	/** Deadline for one request: until the whole body is read (`send`), or until the headers arrive (`sendForResponse`). */
	readonly timeoutMs: number;
	/** Every encoding of the client's own secret. Never shown in an error. */
	readonly secrets: readonly string[];
	/** Instrumentation (`atlassian-3lo/otel`), around every request; none by default. */
	readonly telemetry: Telemetry | undefined;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_RESPONSE_BYTES = 1024 * 1024;

export function createTransport(
	options: { fetch?: FetchFunction; timeoutMs?: number; telemetry?: Telemetry },
	secrets: readonly string[],
): Transport {
	return {
		fetch: options.fetch,
		timeoutMs: options.timeoutMs === undefined ? DEFAULT_TIMEOUT_MS : checkTimerDuration("timeoutMs", options.timeoutMs),
		secrets,
		telemetry: options.telemetry,
	};
}

export interface OutgoingRequest {
	url: string;
	method: string;
	headers: HeadersInit;
	body?: BodyInit | null;
	/** This request's own secrets (a code, a verifier, a refresh or access token), kept out of errors like the client's. */
	credentials: readonly (string | null)[];
	/** For telemetry: a token request's grant, or `revocation`; absent for an API call. */
	operation?: string;
}

export interface ReceivedResponse {
	status: number;
	headers: Headers;
	/** Parsed JSON, or `undefined` when the body is empty or not JSON. */
	json: unknown;
	receivedAt: number;
	/** What must not surface in an error built from this response: the client's and the request's secrets. */
	secrets: readonly string[];
}

/** The client's secrets and the request's, in every encoding. Values under 8 characters are test placeholders; redacting them would only garble messages. */
export function requestSecrets(transport: Transport, credentials: readonly (string | null)[]): readonly string[] {
	const own = credentials.flatMap((value) => (value !== null && value.length >= 8 ? secretEncodings(value) : []));
	return own.length === 0 ? transport.secrets : [...transport.secrets, ...own];
}

/**
 * Sends one request and reads its body, under one deadline that covers both, and that fires even when
 * a custom fetch ignores the abort signal. Never follows redirects: credentials must not travel to a
 * Location we did not choose.
 */
export async function send(request: OutgoingRequest, transport: Transport, options: RequestOptions | undefined): Promise<ReceivedResponse> {
	try {
		const { response, text } = await withDeadline(transport, options?.signal, false, async (signal, controller) => {
			const response = await fetchOnce(request, transport, signal);
			return { response, text: await readBody(response, controller) };
		});
		return {
			status: response.status,
			headers: response.headers,
			json: parseJson(text),
			receivedAt: Date.now(),
			// Only an error needs them: worked out then, not on every success.
			get secrets() {
				return requestSecrets(transport, request.credentials);
			},
		};
	} catch (error) {
		// An oversized body is a response, just not one we read; everything else is a failure to get one.
		throw error instanceof UnexpectedResponseError
			? error
			: new ArcticFetchError(redactCause(error, requestSecrets(transport, request.credentials)));
	}
}

/**
 * Sends one request and returns the `Response` as soon as its headers arrive, with the body unread: the
 * deadline covers the wait for the headers, and the caller's signal keeps covering the body after it.
 * Never follows redirects.
 */
export async function sendForResponse(
	request: OutgoingRequest,
	transport: Transport,
	options: RequestOptions | undefined,
): Promise<Response> {
	try {
		const response = await withDeadline(transport, options?.signal, true, (signal) => fetchOnce(request, transport, signal));
		// Worked out only if a reader of its body needs them (an error page): not on every call.
		sentSecrets.set(response, { transport, credentials: request.credentials });
		return response;
	} catch (error) {
		throw new ArcticFetchError(redactCause(error, requestSecrets(transport, request.credentials)));
	}
}

/** The secrets of the request each `sendForResponse` response answers, so whoever reads its body later can redact them. */
const sentSecrets = new WeakMap<Response, { transport: Transport; credentials: readonly (string | null)[] }>();

/** The secrets of the request `response` answers, if this module sent it; none otherwise. */
export function secretsOf(response: Response): readonly string[] {
	const sent = sentSecrets.get(response);
	return sent === undefined ? [] : requestSecrets(sent.transport, sent.credentials);
}

/** True for a body fetch can only send once, as a stream (a `ReadableStream`, or an async iterable as Node's fetch takes). */
export function isStreamedBody(body: unknown): boolean {
	return (
		typeof body === "object" &&
		body !== null &&
		((typeof ReadableStream !== "undefined" && body instanceof ReadableStream) || Symbol.asyncIterator in body)
	);
}

function fetchOnce(request: OutgoingRequest, transport: Transport, signal: AbortSignal): Promise<Response> {
	const init: RequestInit & { duplex?: "half" } = {
		method: request.method,
		headers: request.headers,
		body: request.body,
		redirect: "manual",
		signal,
	};
	if (isStreamedBody(request.body)) {
		// Fetch requires it for a streamed request body.
		init.duplex = "half";
	}
	const { telemetry } = transport;
	if (telemetry === undefined) return (transport.fetch ?? globalThis.fetch)(request.url, init);
	// A new object: the request's headers, body and credentials never reach the instrumentation.
	const { method, url, operation } = request;
	return telemetry.request({ method, url, operation }, () => (transport.fetch ?? globalThis.fetch)(url, init));
}

/**
 * Runs `work` until it settles, the deadline passes or the caller aborts, whichever is first; one promise,
 * one timer. `followUserSignal`: `work`'s signal also follows the caller's after `work` settled, to cancel
 * a body the caller reads later. That takes `AbortSignal.any` (which holds no listener on a long-lived
 * signal); without it, the caller's abort covers only the wait.
 */
function withDeadline<T>(
	transport: Transport,
	userSignal: AbortSignal | undefined,
	followUserSignal: boolean,
	work: (signal: AbortSignal, controller: AbortController) => Promise<T>,
): Promise<T> {
	if (userSignal?.aborted) {
		return Promise.reject(userSignal.reason);
	}
	const controller = new AbortController();
	const signal =
		followUserSignal && userSignal !== undefined && typeof AbortSignal.any === "function"
			? AbortSignal.any([userSignal, controller.signal])
			: controller.signal;
	return new Promise<T>((resolve, reject) => {
		const timer = setTimeout(() => {
			const reason = new DOMException(`The request timed out after ${transport.timeoutMs} ms`, "TimeoutError");
			controller.abort(reason);
			settle(() => reject(reason));
		}, transport.timeoutMs);
		const onUserAbort = () => {
			controller.abort(userSignal?.reason);
			settle(() => reject(userSignal?.reason));
		};
		userSignal?.addEventListener("abort", onUserAbort, { once: true });
		let settled = false;
		function settle(finish: () => void): void {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			userSignal?.removeEventListener("abort", onUserAbort);
			finish();
		}
		work(signal, controller).then(
			(value) => settle(() => resolve(value)),
			(error) => settle(() => reject(error)),
		);
	});
}

/** Reads the whole body, refusing one over `MAX_RESPONSE_BYTES` (declared or streamed); decodes once at the end. */
function readBody(response: Response, controller: AbortController): Promise<string> {
	return readBodyText(response, { maxBytes: MAX_RESPONSE_BYTES, onOversized: () => controller.abort() });
}

export interface BodyReadOptions {
	/** The most bytes read. Past it, the body is cancelled and the read fails with `UnexpectedResponseError`, unless `truncate`. */
	maxBytes: number;
	/** Return the first `maxBytes` bytes instead of failing (a peek at a body the caller still owns through a clone). */
	truncate?: boolean;
	/** Stops the read: the body is cancelled and the read rejects with the signal's reason. */
	signal?: AbortSignal;
	onOversized?: () => void;
}

/**
 * The one capped reader of response bodies: reads at most `maxBytes` (a declared length over it is refused before
 * reading anything), stops when `signal` aborts, and decodes once at the end.
 */
export async function readBodyText(response: Response, options: BodyReadOptions): Promise<string> {
	const { maxBytes, signal } = options;
	const reader = response.body?.getReader();
	if (reader === undefined) {
		return "";
	}
	const chunks: Uint8Array[] = [];
	const declared = Number(response.headers.get("content-length"));
	let total = !options.truncate && declared > maxBytes ? Number.POSITIVE_INFINITY : 0;
	for (;;) {
		if (total >= maxBytes && (options.truncate || total > maxBytes)) {
			// Not awaited: a stalled stream must not hold the caller.
			reader.cancel().catch(() => {});
			if (options.truncate) break;
			options.onOversized?.();
			throw new UnexpectedResponseError(response.status, `its body is over ${maxBytes} bytes`);
		}
		let chunk: ReadableStreamReadResult<Uint8Array>;
		try {
			chunk = await abortable(reader.read(), signal, (aborted) => aborted.reason);
		} catch (error) {
			reader.cancel().catch(() => {});
			throw error;
		}
		if (chunk.done) {
			break;
		}
		total += chunk.value.byteLength;
		chunks.push(chunk.value);
	}
	if (options.truncate && total > maxBytes) {
		total = maxBytes;
	}
	const bytes = new Uint8Array(total);
	let offset = 0;
	for (const chunk of chunks) {
		if (offset >= total) break;
		const part = chunk.byteLength > total - offset ? chunk.subarray(0, total - offset) : chunk;
		bytes.set(part, offset);
		offset += part.byteLength;
	}
	return new TextDecoder().decode(bytes);
}
