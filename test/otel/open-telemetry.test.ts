import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { AggregationTemporality, type DataPoint, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Atlassian, createAtlassianFetch, createGatewayURL, MemoryTokenStore, TokenManager } from "../../src/index.js";
import { openTelemetry } from "../../src/otel/index.js";
import { DEFAULT_CLIENT, DEFAULT_SITE, type RunningAtlassianEmulator, startAtlassianEmulator } from "../../src/testing/index.js";
import { rejection } from "../support/rejection.js";

/** Collects on demand, as a test wants it. */
class TestReader extends MetricReader {
	constructor() {
		super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
	}
	protected async onForceFlush(): Promise<void> {}
	protected async onShutdown(): Promise<void> {}
}

const REDIRECT_URI = DEFAULT_CLIENT.redirectURIs[0] as string;

describe("openTelemetry(): spans and metrics, read with the SDK's in-memory exporter and a reader", () => {
	let running: RunningAtlassianEmulator;
	const contextManager = new AsyncLocalStorageContextManager();
	beforeAll(async () => {
		running = await startAtlassianEmulator();
		context.setGlobalContextManager(contextManager.enable());
	});
	afterAll(async () => {
		context.disable();
		await running.close();
	});

	function instrumented(options: { hashConnectionKeys?: boolean } = {}) {
		const exporter = new InMemorySpanExporter();
		const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
		const reader = new TestReader();
		const meterProvider = new MeterProvider({ readers: [reader] });
		const telemetry = openTelemetry({ tracerProvider, meterProvider, ...options });
		const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, REDIRECT_URI, {
			hosts: running.hosts,
			telemetry,
		});
		const store = new MemoryTokenStore();
		const manager = new TokenManager(atlassian, { store, telemetry, now: () => running.emulator.now() });
		const points = async (name: string): Promise<DataPoint<unknown>[]> => {
			const { resourceMetrics } = await reader.collect();
			return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((metric) => metric.descriptor.name === name)
				?.dataPoints as DataPoint<unknown>[];
		};
		const signIn = async (key: string) =>
			manager.save(
				key,
				await atlassian.validateAuthorizationCode(
					running.emulator.issueAuthorizationCode({
						redirectURI: REDIRECT_URI,
						scopes: ["read:me", "offline_access", "read:jira-work", "read:jira-user"],
					}),
				),
			);
		return { exporter, atlassian, manager, store, points, signIn, spans: () => exporter.getFinishedSpans() };
	}

	it("a gateway call is an HTTP client span with the semantic-convention attributes, no query string, no token, no key", async () => {
		const { atlassian, manager, signIn, spans } = instrumented();
		const saved = await signIn("user-secret-key");
		const fetch = createAtlassianFetch(atlassian, { tokens: manager, key: "user-secret-key" });
		const url = createGatewayURL(atlassian, "jira", DEFAULT_SITE.id, "/rest/api/3/myself", { expand: "groups" });
		expect((await fetch(url)).status).toBe(200);
		const span = spans().find((each) => each.attributes["url.full"]?.toString().includes("/myself")) as ReadableSpan;
		expect(span.name).toBe("GET");
		expect(span.kind).toBe(2); // CLIENT
		expect(span.attributes).toMatchObject({
			"http.request.method": "GET",
			"server.address": "127.0.0.1",
			"http.response.status_code": 200,
		});
		expect(span.attributes["url.full"]).toBe(url.href.replace(/\?.*$/, ""));
		expect(span.attributes).not.toHaveProperty("atlassian3lo.operation");
		const everything = JSON.stringify(spans().map((each) => [each.name, each.attributes]));
		for (const secret of [saved.accessToken, saved.refreshToken as string, DEFAULT_CLIENT.clientSecret, "user-secret-key", "groups"]) {
			expect(everything).not.toContain(secret);
		}
	});

	it("a refresh is a span around its lease, token request and write, with refresh count and duration by outcome", async () => {
		const { manager, signIn, spans, points } = instrumented();
		await signIn("conn");
		running.emulator.advanceTime(3_600_000);
		await manager.getAccessToken("conn");
		const refresh = spans().find((each) => each.name === "atlassian3lo.refresh") as ReadableSpan;
		const tokenRequest = spans().find((each) => each.attributes["atlassian3lo.operation"] === "refresh_token") as ReadableSpan;
		expect(tokenRequest.name).toBe("POST");
		expect(tokenRequest.parentSpanContext?.spanId).toBe(refresh.spanContext().spanId);
		expect(spans().some((each) => each.attributes["atlassian3lo.operation"] === "authorization_code")).toBe(true);
		expect(refresh.attributes).toEqual({}); // no key unless hashed, opt-in
		const [success] = await points("atlassian3lo.refreshes");
		expect(success).toMatchObject({ attributes: { outcome: "success" }, value: 1 });
		expect((await points("atlassian3lo.refresh.duration"))[0]).toMatchObject({ attributes: { outcome: "success" }, value: { count: 1 } });
	});

	it("a refused refresh counts as a failure with its kind; a lease wait is a span and a duration", async () => {
		const { manager, store, signIn, points, spans } = instrumented();
		const saved = await signIn("conn");
		running.emulator.advanceTime(3_600_000);
		await store.compareAndSet("conn", saved.version, { ...saved, refreshToken: "not-a-token", version: saved.version + 1 });
		const held = await store.acquireLease("conn", 60_000);
		const waiting = rejection(manager.getAccessToken("conn"));
		await new Promise((resolve) => setTimeout(resolve, 100));
		await held?.release();
		await waiting;
		expect((await points("atlassian3lo.refreshes"))[0]).toMatchObject({
			attributes: { outcome: "failure", "error.type": "invalid_grant" },
			value: 1,
		});
		const [waited] = await points("atlassian3lo.lease.wait.duration");
		expect(waited).toMatchObject({ value: { count: 1 } });
		expect((waited?.value as { sum: number } | undefined)?.sum).toBeGreaterThanOrEqual(0.09);
		expect(spans().some((each) => each.name === "atlassian3lo.lease.wait")).toBe(true);
	});

	it("429s are counted by RateLimit-Reason", async () => {
		const { atlassian, manager, signIn, points, spans } = instrumented();
		await signIn("conn");
		running.emulator.setGatewayRateLimit({ limit: 1, windowSeconds: 60, reason: "jira-quota-tenant-based" });
		const fetch = createAtlassianFetch(atlassian, { tokens: manager, key: "conn" }, { retry: false });
		const url = createGatewayURL(atlassian, "jira", DEFAULT_SITE.id, "/rest/api/3/myself");
		await fetch(url);
		expect((await fetch(url)).status).toBe(429);
		running.emulator.setGatewayRateLimit(null);
		expect(await points("atlassian3lo.http.rate_limited")).toMatchObject([
			{ attributes: { "atlassian.rate_limit.reason": "jira-quota-tenant-based" }, value: 1 },
		]);
		const limited = spans().find((each) => each.attributes["http.response.status_code"] === 429);
		expect(limited?.attributes["error.type"]).toBe("429");
	});

	it("a request that fails records the error's name, never its message; https without a port is 443", async () => {
		const { exporter } = instrumented();
		const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
		const atlassian = new Atlassian("client-id", "client-secret", REDIRECT_URI, {
			fetch: () => Promise.reject(new TypeError("fetch failed for refresh-token-in-message")),
			telemetry: openTelemetry({ tracerProvider }),
		});
		await expect(atlassian.refreshAccessToken("refresh-token-in-message")).rejects.toMatchObject({ name: "ArcticFetchError" });
		const [span] = exporter.getFinishedSpans();
		expect(span?.attributes).toMatchObject({ "error.type": "TypeError", "server.address": "auth.atlassian.com", "server.port": 443 });
		expect(span?.status.code).toBe(2); // ERROR
		expect(JSON.stringify(span?.attributes)).not.toContain("refresh-token-in-message");
	});

	it("hashConnectionKeys: the key as the first 16 characters of its SHA-256, never in clear", async () => {
		const { manager, signIn, spans } = instrumented({ hashConnectionKeys: true });
		await signIn("tenant-42");
		running.emulator.advanceTime(3_600_000);
		await manager.getAccessToken("tenant-42");
		const refresh = spans().find((each) => each.name === "atlassian3lo.refresh") as ReadableSpan;
		expect(refresh.attributes["atlassian3lo.connection.key_hash"]).toMatch(/^[A-Za-z0-9_-]{16}$/);
		expect(JSON.stringify(spans().map((each) => each.attributes))).not.toContain("tenant-42");
	});
});
