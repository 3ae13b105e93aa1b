import { deadlineSignal } from "../internal/abortable.js";
import { parseJson } from "../internal/json.js";
import { sleep } from "../internal/sleep.js";
import { checkTimerDuration } from "../internal/timer-duration.js";
import { ArcticFetchError } from "../oauth2/errors.js";
import { redactCause } from "../oauth2/redaction.js";
import { type FetchFunction, isStreamedBody, type RequestOptions, readBodyText, sendForResponse } from "../oauth2/transport.js";
import { isScopeMismatch, retryAfterSeconds } from "./api-error.js";
import type { Atlassian } from "./atlassian.js";
import { getConfiguration } from "./configuration.js";
import type { RateLimitBudget } from "./rate-limit-budget.js";
import { rateLimitedCall } from "./rate-limit-scopes.js";
import type { RateLimitHold } from "./rate-limit-store.js";
import { gatewayURL } from "./resource-request.js";

/** What `createAtlassianFetch` needs of a `TokenManager`: a current access token, and a refresh after a 401. */
export interface AccessTokenSource {
	getAccessToken(key: string, options?: RequestOptions): Promise<string>;
	refresh(key: string, options?: RequestOptions & { rejectedAccessToken?: string }): Promise<{ accessToken: string }>;
}

/** A fixed access token, or a connection of a `TokenManager` (then a 401 for an expired token is refreshed once). */
export type AtlassianFetchCredentials = { accessToken: string } | { tokens: AccessTokenSource; key: string };

export interface AtlassianRetryOptions {
	/** Retries after the first attempt. Default 4. */
	maxRetries?: number;
	/** Most time spent waiting across all retries of one call; a wait that would pass it is not started, and the 429 is returned. Default 60 000. */
	maxWaitMs?: number;
	/** First backoff when the answer has no `Retry-After`; doubled on each retry up to 30 s, with jitter ×0.7–1.3. Default 5 000. */
	initialDelayMs?: number;
	/** Also retry POST and PATCH, which are not idempotent: a write the server performed may then be performed twice. Default `false`. */
	retryNonIdempotent?: boolean;
}

export interface AtlassianFetchOptions {
	/** How 429 (and 503 with `Retry-After`) answers are waited out and retried; `false`: never retry. */
	retry?: AtlassianRetryOptions | false;
	/** Called before each wait, e.g. to log or count rate limiting. */
	onRetry?: (event: { attempt: number; delayMs: number; status: number; url: string }) => void;
	/**
	 * A rate budget every worker shares: a 429 any of them gets pauses the others' calls in its scope, a near
	 * limit paces them, and optional proactive limits keep the fleet under Atlassian's. A call that would wait
	 * past `retry.maxWaitMs` gets a 429 at once (with `X-Rate-Budget: held`), and nothing is sent.
	 */
	rateLimit?: RateLimitBudget;
}

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const MAX_BACKOFF_MS = 30_000;

/**
 * A function with `fetch`'s signature that calls Atlassian's API gateway as the signed-in user, so any
 * fetch-based REST client can run on it. It refuses, with a `TypeError` and nothing sent, a URL off this
 * client's gateway; adds the bearer token; refreshes once on a 401 for an expired token (never on the
 * scope-mismatch 401); waits out 429 and 503-with-`Retry-After` for idempotent methods; and returns every
 * other response as it is. It throws only what `fetch` would (`ArcticFetchError` for network faults,
 * timeouts and aborts) and what getting a token throws (e.g. `OAuth2RequestError` `invalid_grant`: sign in again).
 */
export function createAtlassianFetch(
	atlassian: Atlassian,
	credentials: AtlassianFetchCredentials,
	options: AtlassianFetchOptions = {},
): FetchFunction {
	const { apiGateway, transport } = getConfiguration(atlassian);
	const retry = retryPolicy(options.retry);
	const source = "tokens" in credentials ? credentials : undefined;
	if (source === undefined && typeof (credentials as { accessToken?: unknown }).accessToken !== "string") {
		throw new TypeError("credentials must be { accessToken } or { tokens: TokenManager, key }");
	}
	const budget = options.rateLimit;
	return async (input, init) => {
		const target = gatewayURL(input, apiGateway);
		const url = target.href;
		const request = input instanceof Request ? await fromRequest(input, init) : fromInit(init);
		const { method, headers, body, signal } = request;
		let accessToken =
			source === undefined
				? (credentials as { accessToken: string }).accessToken
				: await source.tokens.getAccessToken(source.key, { signal });
		let refreshed = false;
		let waitedMs = 0;
		// A streamed body (a ReadableStream, an async iterable) can be sent once: such a call is neither
		// refreshed-and-retried nor rate-limit-retried.
		const replayable = !isStreamedBody(body);
		const call = budget === undefined ? null : rateLimitedCall(target, method);
		for (let attempt = 0; ; attempt++) {
			while (budget !== undefined && call !== null) {
				const decision = await budget.reserve(call, retry.maxWaitMs - waitedMs);
				if ("refused" in decision) return heldBack(decision.refused);
				if (decision.waitMs <= 0) break;
				await waitToRetry(decision.waitMs, signal, [accessToken]);
				waitedMs += decision.waitMs;
				// A pause another worker recorded while this call waited for its slot holds it too.
				if (!(await budget.isPaused(call))) break;
			}
			if (headers instanceof Headers) headers.set("Authorization", `Bearer ${accessToken}`);
			else headers.Authorization = `Bearer ${accessToken}`;
			const response = await sendForResponse({ url, method, headers, body, credentials: [accessToken] }, transport, { signal });
			if (budget !== undefined && call !== null) await budget.observe(call, response);
			if (
				response.status === 401 &&
				source !== undefined &&
				!refreshed &&
				replayable &&
				!(await isScopeMismatchResponse(response, transport.timeoutMs, signal))
			) {
				refreshed = true;
				discard(response);
				accessToken = (await source.tokens.refresh(source.key, { signal, rejectedAccessToken: accessToken })).accessToken;
				continue;
			}
			const delayMs = replayable ? retryDelayMs(response, method, attempt, retry) : null;
			if (delayMs === null || waitedMs + delayMs > retry.maxWaitMs) {
				return response;
			}
			discard(response);
			options.onRetry?.({ attempt: attempt + 1, delayMs, status: response.status, url });
			// With a budget, the pause it recorded is what the next attempt waits out, with every other worker.
			if (budget !== undefined && call !== null) continue;
			await waitToRetry(delayMs, signal, [accessToken]);
			waitedMs += delayMs;
		}
	};
}

/** The 429 a call held back by the budget gets: nothing was sent; `Retry-After` says when its scope opens. */
function heldBack(hold: RateLimitHold): Response {
	const seconds = Math.max(1, Math.ceil((hold.until - Date.now()) / 1000));
	return Response.json(
		{ code: 429, message: `Held back by the shared rate budget (${hold.reason}): retry after ${seconds} s` },
		{ status: 429, headers: { "Retry-After": String(seconds), "RateLimit-Reason": hold.reason, "X-Rate-Budget": "held" } },
	);
}

interface RetryPolicy {
	maxRetries: number;
	maxWaitMs: number;
	initialDelayMs: number;
	retryNonIdempotent: boolean;
}

function retryPolicy(options: AtlassianRetryOptions | false | undefined): RetryPolicy {
	if (options === false) {
		return { maxRetries: 0, maxWaitMs: 0, initialDelayMs: 1, retryNonIdempotent: false };
	}
	const maxRetries = options?.maxRetries ?? 4;
	if (!(Number.isInteger(maxRetries) && maxRetries >= 0)) {
		throw new TypeError(`retry.maxRetries must be a whole number, 0 or more, got ${String(maxRetries)}`);
	}
	return {
		maxRetries,
		maxWaitMs: checkTimerDuration("retry.maxWaitMs", options?.maxWaitMs ?? 60_000, 0),
		initialDelayMs: checkTimerDuration("retry.initialDelayMs", options?.initialDelayMs ?? 5_000),
		retryNonIdempotent: options?.retryNonIdempotent === true,
	};
}

/** How long to wait before retrying `response`, or `null` when it is not retried. */
function retryDelayMs(response: Response, method: string, attempt: number, retry: RetryPolicy): number | null {
	if (response.status !== 429 && response.status !== 503) {
		return null;
	}
	const seconds = retryAfterSeconds(response.headers);
	const retryable = response.status === 429 || seconds !== null;
	if (!retryable || attempt >= retry.maxRetries || !(retry.retryNonIdempotent || IDEMPOTENT_METHODS.has(method))) {
		return null;
	}
	if (seconds !== null) {
		// Never earlier than Retry-After (Atlassian answers an early retry with a longer one); a little later,
		// so that clients told the same moment do not all come back at once.
		return Math.ceil(seconds * 1000 * (1 + 0.2 * Math.random()) + 250 * Math.random());
	}
	const backoff = Math.min(MAX_BACKOFF_MS, retry.initialDelayMs * 2 ** attempt);
	return Math.ceil(backoff * (0.7 + 0.6 * Math.random()));
}

interface Outgoing {
	method: string;
	headers: Headers | Record<string, string>;
	body: BodyInit | null | undefined;
	signal: AbortSignal | undefined;
}

/** The request from fetch's `(url, init)` form: method, headers (a copy we may add to), body and signal. */
function fromInit(init: RequestInit | undefined): Outgoing {
	const method = (init?.method ?? "GET").toUpperCase();
	if (init?.headers === undefined) {
		// The common call, a bare GET: a plain object costs less than a Headers.
		return { method, headers: { Accept: "application/json" }, body: init?.body, signal: init?.signal ?? undefined };
	}
	const headers = new Headers(init.headers);
	if (!headers.has("accept")) headers.set("Accept", "application/json");
	return { method, headers, body: init.body, signal: init.signal ?? undefined };
}

/** The same from a `Request`, as fetch-based clients send it; its body is read once, so that a retry can send it again. */
async function fromRequest(input: Request, init: RequestInit | undefined): Promise<Outgoing> {
	const request = init === undefined ? input : new Request(input, init);
	const headers = new Headers(request.headers);
	if (!headers.has("accept")) headers.set("Accept", "application/json");
	const body = request.body === null ? undefined : await request.arrayBuffer();
	return { method: request.method.toUpperCase(), headers, body, signal: request.signal };
}

/** How much of a 401's body is read, at most, to find the scope-mismatch message when the header is missing. */
const PEEK_BYTES = 4096;

/**
 * A 401 is a scope mismatch by its `X-Failure-Category` header. Only without that header (a proxy dropped it)
 * is its message looked for, in at most the first 4 KB of the body, under the client's deadline; the caller's
 * body stays readable. A body that cannot be read in time is no evidence of a scope mismatch.
 */
async function isScopeMismatchResponse(response: Response, timeoutMs: number, userSignal: AbortSignal | undefined): Promise<boolean> {
	const category = response.headers.get("x-failure-category");
	if (category !== null) {
		return isScopeMismatch(401, response.headers, undefined);
	}
	const { signal, clear } = deadlineSignal(timeoutMs, userSignal, "The 401's body was not read");
	try {
		const text = await readBodyText(response.clone(), { maxBytes: PEEK_BYTES, truncate: true, signal }).catch(() => "");
		return isScopeMismatch(401, response.headers, parseJson(text) ?? { message: text });
	} finally {
		clear();
	}
}

function discard(response: Response): void {
	response.body?.cancel().catch(() => {});
}

/** Waits out a retry delay; the caller's abort ends the wait with an `ArcticFetchError` whose cause holds no token. */
async function waitToRetry(ms: number, signal: AbortSignal | undefined, secrets: string[]): Promise<void> {
	try {
		await sleep(ms, signal);
	} catch (reason) {
		throw new ArcticFetchError(redactCause(reason, secrets));
	}
}
