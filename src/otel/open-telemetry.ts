import {
	type Attributes,
	type Counter,
	context,
	type Histogram,
	type MeterProvider,
	metrics,
	SpanKind,
	SpanStatusCode,
	type TracerProvider,
	trace,
} from "@opentelemetry/api";
import { encodeBase64urlNoPadding } from "../internal/base64url.js";
import { sha256 } from "../internal/sha256.js";
import type { Telemetry, TelemetryRequest } from "../oauth2/telemetry.js";
import { connectionErrorKind } from "../tokens/connection.js";

// The OpenTelemetry bridge: spans and metrics from what the package hands its `Telemetry`, through
// `@opentelemetry/api` (an optional peer dependency). With no SDK registered, the API's no-op tracer and meter
// make it cost next to nothing; attributes are worked out only for a span that records.

export interface OpenTelemetryOptions {
	/** Default: the global one (`trace.setGlobalTracerProvider()`, or what your SDK registered). */
	tracerProvider?: TracerProvider;
	/** Default: the global one, as it is when a first metric is recorded: register your SDK before that. */
	meterProvider?: MeterProvider;
	/**
	 * Record each connection's key as `atlassian3lo.connection.key_hash`: the first 16 characters of its SHA-256
	 * (base64url), to follow one connection across spans without the key itself. Default `false`: no key at all.
	 */
	hashConnectionKeys?: boolean;
}

const SCOPE = "atlassian-3lo";

interface Instruments {
	refreshes: Counter;
	refreshDuration: Histogram;
	leaseWaitDuration: Histogram;
	rateLimited: Counter;
}

/** A `Telemetry` for `Atlassian`, `OAuth2Client`, `createAtlassianFetch` (through its `Atlassian`) and `TokenManager`. */
export function openTelemetry(options: OpenTelemetryOptions = {}): Telemetry {
	const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
	let instruments: Instruments | undefined;
	// Made at first use, so that a global meter provider registered after this call still counts.
	const meter = (): Instruments => {
		if (instruments !== undefined) return instruments;
		const made = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
		instruments = {
			refreshes: made.createCounter("atlassian3lo.refreshes", { description: "Refreshes of a connection, by outcome" }),
			refreshDuration: made.createHistogram("atlassian3lo.refresh.duration", {
				description: "How long a refresh took: the lease, the token request and the write",
				unit: "s",
			}),
			leaseWaitDuration: made.createHistogram("atlassian3lo.lease.wait.duration", {
				description: "How long a refresh waited for another process's lease",
				unit: "s",
			}),
			rateLimited: made.createCounter("atlassian3lo.http.rate_limited", {
				description: "429 answers from Atlassian, by RateLimit-Reason",
			}),
		};
		return instruments;
	};
	const keyAttributes = (key: string): Attributes =>
		options.hashConnectionKeys === true ? { "atlassian3lo.connection.key_hash": hashKey(key) } : {};

	const countRateLimited = (response: Response): Response => {
		if (response.status === 429) {
			meter().rateLimited.add(1, { "atlassian.rate_limit.reason": response.headers.get("ratelimit-reason") ?? "none" });
		}
		return response;
	};

	return {
		request: (request, send) => {
			const span = tracer.startSpan(request.method, { kind: SpanKind.CLIENT });
			// No SDK (or not sampled): no span to fill in or to make active, only the 429s to count.
			if (!span.isRecording()) return send().then(countRateLimited);
			span.setAttributes(requestAttributes(request));
			return context.with(trace.setSpan(context.active(), span), async () => {
				try {
					const response = countRateLimited(await send());
					span.setAttribute("http.response.status_code", response.status);
					if (response.status >= 400) {
						span.setAttribute("error.type", String(response.status));
						span.setStatus({ code: SpanStatusCode.ERROR });
					}
					return response;
				} catch (error) {
					// The error's name only: a fetch failure's message may quote the request.
					span.setAttribute("error.type", errorName(error));
					span.setStatus({ code: SpanStatusCode.ERROR });
					throw error;
				} finally {
					span.end();
				}
			});
		},
		refresh: (key, work) =>
			tracer.startActiveSpan("atlassian3lo.refresh", { kind: SpanKind.INTERNAL, attributes: keyAttributes(key) }, async (span) => {
				const started = performance.now();
				let attributes: Attributes = { outcome: "success" };
				try {
					return await work();
				} catch (error) {
					attributes = { outcome: "failure", "error.type": failureKind(error) };
					span.setAttribute("error.type", attributes["error.type"] as string);
					span.setStatus({ code: SpanStatusCode.ERROR });
					throw error;
				} finally {
					span.end();
					const { refreshes, refreshDuration } = meter();
					refreshes.add(1, attributes);
					refreshDuration.record((performance.now() - started) / 1000, attributes);
				}
			}),
		leaseWaitStarted: (key) => {
			const span = tracer.startSpan("atlassian3lo.lease.wait", { kind: SpanKind.INTERNAL, attributes: keyAttributes(key) });
			const started = performance.now();
			let ended = false;
			return () => {
				if (ended) return;
				ended = true;
				span.end();
				meter().leaseWaitDuration.record((performance.now() - started) / 1000);
			};
		},
	};
}

/** HTTP client attributes, as OpenTelemetry's semantic conventions name them; the URL without its query string. */
function requestAttributes(request: TelemetryRequest): Attributes {
	const url = new URL(request.url);
	const attributes: Attributes = {
		"http.request.method": request.method,
		"server.address": url.hostname,
		"server.port": url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port),
		"url.full": `${url.origin}${url.pathname}`,
	};
	if (request.operation !== undefined) attributes["atlassian3lo.operation"] = request.operation;
	return attributes;
}

/** What a failed refresh met, as `ConnectionErrorKind`, or the name of an error of the lifecycle (a lease wait given up, say). */
function failureKind(error: unknown): string {
	const name = errorName(error);
	return name === "OAuth2RequestError" || name === "ArcticFetchError" || name.startsWith("Unexpected") ? connectionErrorKind(error) : name;
}

function errorName(error: unknown): string {
	return error instanceof Error ? error.name : "unknown";
}

function hashKey(key: string): string {
	return encodeBase64urlNoPadding(sha256(new TextEncoder().encode(key))).slice(0, 16);
}
