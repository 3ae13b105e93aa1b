// listConnections(): a page of 100 over 100 000 connections, on a real redis-server and PostgreSQL 18, at random
// places in the listing, all connections or one status (1 in 100 degraded). Target: ≤ 20 ms a page.
import { Atlassian, TokenManager, type TokenStore } from "../src/index.js";
import { PostgresTokenStore } from "../src/postgres/index.js";
import { RedisTokenStore } from "../src/redis/index.js";
import { fleetKey, seedPostgresFleet, seedRedisFleet } from "../test/support/connection-fleet.js";
import { createPool, endPool, startPostgres } from "../test/support/postgres-server.js";
import { hasRedisServer, type RedisServer } from "../test/support/redis-server.js";
import { percentile } from "./harness.js";

const CONNECTIONS = 100_000;
const SAMPLES = 300;

async function pageTimes(store: TokenStore, status?: "degraded"): Promise<number[]> {
	const manager = new TokenManager(new Atlassian("id", "secret", "https://app.example/cb"), { store });
	const times: number[] = [];
	for (let sample = 0; sample < SAMPLES + 20; sample++) {
		// Anywhere in the first 80 %: a degraded page of 100 spans 10 000 keys.
		const cursor = fleetKey(Math.floor(Math.random() * CONNECTIONS * 0.8));
		const started = performance.now();
		const page = await manager.listConnections({ limit: 100, cursor, status });
		const took = performance.now() - started;
		if (page.connections.length !== 100) throw new Error(`a page of ${page.connections.length}, not 100`);
		if (sample >= 20) times.push(took); // the first pages warm the connections and the caches
	}
	return times;
}

function report(lines: string[], what: string, times: number[]): void {
	const p99 = percentile(times, 99);
	lines.push(
		`listConnections, a page of 100 over 100 000 connections, ${what}: p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (n = ${times.length}) — target ≤ 20 ms: ${p99 <= 20 ? "met" : "MISSED"}`,
	);
}

export async function benchListConnections(lines: string[], redis: RedisServer | undefined): Promise<void> {
	if (redis !== undefined && hasRedisServer()) {
		const client = redis.client({ maxRetriesPerRequest: 3 });
		await seedRedisFleet(client, "fleet:", CONNECTIONS, 100);
		const store = new RedisTokenStore({ client, prefix: "fleet:", subscriber: false });
		report(lines, "Redis, all", await pageTimes(store));
		report(lines, "Redis, degraded only", await pageTimes(store, "degraded"));
		client.disconnect();
	}
	const postgres = await startPostgres();
	const pool = createPool(postgres.url);
	try {
		const store = new PostgresTokenStore({ client: pool, table: "fleet_tokens", listener: false });
		await store.ensureSchema();
		await seedPostgresFleet(pool, "fleet_tokens", CONNECTIONS, 100);
		await pool.query("ANALYZE fleet_tokens");
		report(lines, "PostgreSQL 18, all", await pageTimes(store));
		report(lines, "PostgreSQL 18, degraded only", await pageTimes(store, "degraded"));
	} finally {
		await endPool(pool);
		await postgres.stop();
	}
}
