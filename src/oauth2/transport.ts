/**
 * The only module that talks to the network and classifies responses.
 * Everything that sends a request (token endpoint, revocation, resource APIs) goes through `send()`.
 */
import { ArcticFetchError, OAuth2RequestError, UnexpectedErrorResponseBodyError, UnexpectedResponseError } from "./errors.js";
import { redactCause, redactData } from "./redaction.js";
import { OAuth2Tokens } from "./tokens.js";

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
	/** When omitted, the global `fetch` is looked up at call time, so msw and test doubles installed later still apply. */
	fetch?: FetchFunction;
	timeoutMs?: number;
}

export interface RequestOptions {
	signal?: AbortSignal;
}

export interface OutgoingRequest {
	url: string;
	method: "GET" | "POST";
	headers: Record<string, string>;
	body?: string;
	/** Strings that must never surface in an error (client secret and its encodings). */
	secrets: readonly string[];
}

export interface ReceivedResponse {
	status: number;
	/** Parsed JSON, or `undefined` when the body is empty or not JSON. */
	json: unknown;
	receivedAt: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Thrown inside `readBody` when the body exceeds the cap; turned into UnexpectedResponseError by `send`. */
class OversizedBody {
	constructor(public status: number) {}
}

/**
 * Sends one request and reads its body, under one deadline that covers both, and that fires even when
 * a custom fetch ignores the abort signal. Never follows redirects: credentials must not travel to a
 * Location we did not choose.
 */
export async function send(
	request: OutgoingRequest,
	transport: TransportOptions,
	options: RequestOptions | undefined,
): Promise<ReceivedResponse> {
	const userSignal = options?.signal;
	if (userSignal?.aborted) {
		throw new ArcticFetchError(redactCause(userSignal.reason, request.secrets));
	}
	const fetchFunction = transport.fetch ?? globalThis.fetch;
	const timeoutMs = transport.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const controller = new AbortController();
	let timer: ReturnType<typeof setTimeout> | undefined;
	let onUserAbort: (() => void) | undefined;
	const interrupted = new Promise<never>((_, reject) => {
		timer = setTimeout(() => {
			const reason = new DOMException(`The request timed out after ${timeoutMs} ms`, "TimeoutError");
			controller.abort(reason);
			reject(reason);
		}, timeoutMs);
		if (userSignal) {
			onUserAbort = () => {
				controller.abort(userSignal.reason);
				reject(userSignal.reason);
			};
			userSignal.addEventListener("abort", onUserAbort, { once: true });
		}
	});
	const exchange = (async () => {
		const response = await fetchFunction(request.url, {
			method: request.method,
			headers: request.headers,
			body: request.body,
			redirect: "manual",
			signal: controller.signal,
		});
		const text = await readBody(response, controller);
		return { status: response.status, text };
	})();
	// Keep a late rejection of the losing branch from surfacing as an unhandled rejection.
	exchange.catch(() => {});
	let result: { status: number; text: string };
	try {
		result = await Promise.race([exchange, interrupted]);
	} catch (error) {
		if (error instanceof OversizedBody) {
			throw new UnexpectedResponseError(error.status);
		}
		throw new ArcticFetchError(redactCause(error, request.secrets));
	} finally {
		clearTimeout(timer);
		if (onUserAbort) {
			userSignal?.removeEventListener("abort", onUserAbort);
		}
	}
	return { status: result.status, json: parseJson(result.text), receivedAt: Date.now() };
}

async function readBody(response: Response, controller: AbortController): Promise<string> {
	const reader = response.body?.getReader();
	const decoder = new TextDecoder();
	let text = "";
	// A declared length over the cap is refused before reading anything.
	let total = Number(response.headers.get("content-length")) > MAX_RESPONSE_BYTES ? Number.POSITIVE_INFINITY : 0;
	for (;;) {
		if (total > MAX_RESPONSE_BYTES) {
			// Not awaited: a stalled stream must not hold the caller, and abort() already tears the connection down.
			reader?.cancel().catch(() => {});
			controller.abort();
			throw new OversizedBody(response.status);
		}
		const chunk = await reader?.read();
		if (!chunk || chunk.done) {
			return text + decoder.decode();
		}
		total += chunk.value.byteLength;
		text += decoder.decode(chunk.value, { stream: true });
	}
}

function parseJson(text: string): unknown {
	if (text.trim() === "") {
		return undefined;
	}
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Classifies a token-endpoint response (RFC 6749 §5.1, §5.2), Atlassian's 403 `invalid_grant` included. */
export function toTokens(response: ReceivedResponse, secrets: readonly string[]): OAuth2Tokens {
	if (response.status === 200) {
		if (response.json === undefined) {
			throw new UnexpectedResponseError(200);
		}
		if (isJsonObject(response.json) && typeof response.json.access_token === "string") {
			return new OAuth2Tokens(response.json, response.receivedAt);
		}
		throw new UnexpectedErrorResponseBodyError(200, redactData(response.json, secrets));
	}
	throw toError(response, secrets);
}

/** Classifies a revocation response (RFC 7009 §2.2): 200 is success whatever the body. */
export function toRevocation(response: ReceivedResponse, secrets: readonly string[]): void {
	if (response.status !== 200) {
		throw toError(response, secrets);
	}
}

/**
 * Classifies a resource-server response (e.g. Atlassian's `/me` or the API gateway): 2xx JSON is returned,
 * 4xx/5xx become `ResourceError`-style errors built by `toResourceError`, anything else is unexpected.
 */
export function toResource(
	response: ReceivedResponse,
	secrets: readonly string[],
	toResourceError: (status: number, data: unknown) => Error,
): unknown {
	const { status, json } = response;
	if (status >= 200 && status < 300 && json !== undefined) {
		return json;
	}
	if (status >= 400 && status <= 599) {
		throw toResourceError(status, json === undefined ? null : redactData(json, secrets));
	}
	throw new UnexpectedResponseError(status);
}

/** The error for any non-200 response of an OAuth endpoint. */
export function toError(response: ReceivedResponse, secrets: readonly string[]): Error {
	const { status, json } = response;
	if (status < 400 || status > 599 || json === undefined) {
		return new UnexpectedResponseError(status);
	}
	if (
		isJsonObject(json) &&
		typeof json.error === "string" &&
		json.error !== "" &&
		isOptionalString(json.error_description) &&
		isOptionalString(json.error_uri) &&
		isOptionalString(json.state)
	) {
		const redacted = redactData(json, secrets) as Record<string, string | undefined>;
		return new OAuth2RequestError(
			redacted.error as string,
			redacted.error_description ?? null,
			redacted.error_uri ?? null,
			redacted.state ?? null,
			status,
		);
	}
	return new UnexpectedErrorResponseBodyError(status, redactData(json, secrets));
}

function isOptionalString(value: unknown): boolean {
	return value === undefined || typeof value === "string";
}
