import { AggregationTemporality, type DataPoint, MeterProvider, MetricReader } from "@opentelemetry/sdk-metrics";
import { describe, expect, it } from "vitest";
import { MemoryTokenStore, type StoredTokenSet, TokenManager } from "../../src/index.js";
import { observeConnections } from "../../src/otel/index.js";

class TestReader extends MetricReader {
	constructor() {
		super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
	}
	protected async onForceFlush(): Promise<void> {}
	protected async onShutdown(): Promise<void> {}
}

const set = (fields: Partial<StoredTokenSet> = {}): StoredTokenSet => ({
	accessToken: "at",
	refreshToken: "rt",
	expiresAt: 9e12,
	scopes: [],
	version: 1,
	...fields,
});

describe("observeConnections(): the fleet's connections by status, as a gauge", () => {
	it("counts each status through listConnections(), once per interval, and stops when told", async () => {
		const store = new MemoryTokenStore();
		for (let index = 0; index < 1_205; index++) await store.compareAndSet(`a-${index}`, 0, set());
		await store.compareAndSet("d-1", 0, set({ consecutiveFailures: 2 }));
		await store.compareAndSet("r-1", 0, set({ reauthorizationRequired: true }));
		await store.compareAndSet("r-2", 0, set({ reauthorizationRequired: true }));
		const manager = new TokenManager({ refreshAccessToken: () => Promise.reject(new Error("unused")) }, { store });
		const reader = new TestReader();
		const stop = observeConnections(manager, { meterProvider: new MeterProvider({ readers: [reader] }), intervalMs: 60_000 });
		const counts = async () => {
			const { resourceMetrics } = await reader.collect();
			const points = (resourceMetrics.scopeMetrics[0]?.metrics[0]?.dataPoints ?? []) as DataPoint<number>[];
			return Object.fromEntries(points.map((point) => [point.attributes.status, point.value]));
		};
		expect(await counts()).toEqual({ active: 1_205, degraded: 1, disabled: 0, reauthorization_required: 2 });
		await store.compareAndSet("d-2", 0, set({ consecutiveFailures: 1 }));
		expect((await counts()).degraded).toBe(1); // within the interval: the counts taken before
		stop();
	});

	it("once stopped, it lists nothing more", async () => {
		let listings = 0;
		const lister = {
			listConnections: async () => {
				listings++;
				return { connections: [], cursor: null };
			},
		};
		const reader = new TestReader();
		const stop = observeConnections(lister, { meterProvider: new MeterProvider({ readers: [reader] }), intervalMs: 0 });
		await reader.collect();
		expect(listings).toBe(4); // one page per status
		stop();
		await reader.collect();
		expect(listings).toBe(4);
	});
});
