import type { MeterProvider, ObservableResult } from "@opentelemetry/api";
import { metrics } from "@opentelemetry/api";
import type { ConnectionPage, ListConnectionsOptions } from "../tokens/token-manager-options.js";
import { CONNECTION_STATUSES, type ConnectionStatus } from "../tokens/token-store.js";

/** What the gauge reads: `TokenManager` has it. */
export interface ConnectionLister {
	listConnections(options?: ListConnectionsOptions): Promise<ConnectionPage>;
}

export interface ConnectionGaugeOptions {
	/** Default: the global one. */
	meterProvider?: MeterProvider;
	/** Counts are taken again when older than this, at a collection. Default 60 000 ms. */
	intervalMs?: number;
	/** The most connections counted per status; a status with more reports this many. Default 100 000. */
	maxPerStatus?: number;
}

/**
 * `atlassian3lo.connections`, an observable gauge of the stored connections by `status`, counted through
 * `listConnections()` (an index walk per status) at most once per `intervalMs`. Counts are the fleet's, since
 * the status is kept with each record: observe them from one process. Returns the function that stops it.
 */
export function observeConnections(manager: ConnectionLister, options: ConnectionGaugeOptions = {}): () => void {
	const intervalMs = options.intervalMs ?? 60_000;
	const maxPerStatus = options.maxPerStatus ?? 100_000;
	const gauge = (options.meterProvider ?? metrics.getMeterProvider())
		.getMeter("atlassian-3lo")
		.createObservableGauge("atlassian3lo.connections", { description: "Stored connections, by status" });
	let counted: { at: number; counts: Map<ConnectionStatus, number> } | undefined;
	const observe = async (result: ObservableResult) => {
		if (counted === undefined || Date.now() - counted.at >= intervalMs) {
			counted = { at: Date.now(), counts: await countByStatus(manager, maxPerStatus) };
		}
		for (const [status, count] of counted.counts) result.observe(count, { status });
	};
	gauge.addCallback(observe);
	return () => gauge.removeCallback(observe);
}

async function countByStatus(manager: ConnectionLister, maxPerStatus: number): Promise<Map<ConnectionStatus, number>> {
	const counts = new Map<ConnectionStatus, number>();
	for (const status of CONNECTION_STATUSES) {
		let count = 0;
		let cursor: string | null = null;
		do {
			const page: ConnectionPage = await manager.listConnections({ status, cursor, limit: 1_000 });
			count += page.connections.length;
			cursor = page.cursor;
		} while (cursor !== null && count < maxPerStatus);
		counts.set(status, Math.min(count, maxPerStatus));
	}
	return counts;
}
