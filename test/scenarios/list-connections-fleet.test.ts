import type { Redis } from "ioredis";
import type pg from "pg";
import { describe, expect, it } from "vitest";
import { Atlassian, type ConnectionPage, TokenManager, type TokenStore } from "../../src/index.js";
import { PostgresTokenStore } from "../../src/postgres/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";
import { fleetKey, fleetSet, seedPostgresFleet, seedRedisFleet } from "../support/connection-fleet.js";
import { usePostgresServer } from "../support/postgres-server.js";
import { hasRedisServer, useRedisServer } from "../support/redis-server.js";

// listConnections() over 100 000 connections: every connection in exactly one page, none missed or repeated,
// while writes (refreshes, failures, recoveries) move connections between statuses.
const CONNECTIONS = 100_000;
const key = fleetKey;
const set = fleetSet;

async function walk(store: TokenStore, churn: () => Promise<void>): Promise<{ seen: string[]; pages: number }> {
	const manager = new TokenManager(new Atlassian("id", "secret", "https://app.example/cb"), { store });
	const seen: string[] = [];
	let cursor: string | null = null;
	let pages = 0;
	do {
		// Writes land between pages, as refreshes of a live fleet would.
		const listing: Promise<ConnectionPage> = manager.listConnections({ limit: 1_000, cursor });
		await churn();
		const page = await listing;
		seen.push(...page.connections.map((connection) => connection.key));
		cursor = page.cursor;
		pages++;
	} while (cursor !== null);
	return { seen, pages };
}

/** Moves 20 random connections to another status and back: refreshes that fail, then succeed. */
function churner(store: TokenStore) {
	const versions = new Map<string, number>();
	return async () => {
		for (let i = 0; i < 20; i++) {
			const picked = key(Math.floor(Math.random() * CONNECTIONS));
			const version = versions.get(picked) ?? 1;
			const failing = version % 2 === 1;
			if (
				await store.compareAndSet(picked, version, set(version + 1, failing ? { consecutiveFailures: 1, lastErrorKind: "server" } : {}))
			) {
				versions.set(picked, version + 1);
			}
		}
	};
}

function expectEachOnce(seen: string[]): void {
	expect(seen.length).toBe(CONNECTIONS);
	expect(new Set(seen).size).toBe(CONNECTIONS);
	expect(seen[0]).toBe(key(0));
	expect(seen.at(-1)).toBe(key(CONNECTIONS - 1));
}

describe.skipIf(!hasRedisServer())("listConnections() over 100 000 connections on Redis", () => {
	let client: Redis;
	useRedisServer((server) => {
		client = server.client();
	});

	it("returns each connection in exactly one page while connections change status", async () => {
		const prefix = "fleet:";
		const store = new RedisTokenStore({ client, prefix });
		await seedRedisFleet(client, prefix, CONNECTIONS);
		const { seen, pages } = await walk(store, churner(store));
		expectEachOnce(seen);
		expect(pages).toBe(CONNECTIONS / 1_000 + 1);
		const degraded = await new TokenManager(new Atlassian("id", "secret", "https://app.example/cb"), { store }).listConnections({
			status: "degraded",
			limit: 1_000,
		});
		expect(degraded.connections.every((connection) => connection.status === "degraded")).toBe(true);
	}, 120_000);
});

describe("listConnections() over 100 000 connections on PostgreSQL 18", () => {
	let pool: pg.Pool;
	usePostgresServer((_server, [first]) => {
		pool = first as pg.Pool;
	});

	it("returns each connection in exactly one page while connections change status", async () => {
		const store = new PostgresTokenStore({ client: pool, table: "fleet_tokens", listener: false });
		await store.ensureSchema();
		await seedPostgresFleet(pool, "fleet_tokens", CONNECTIONS);
		const { seen } = await walk(store, churner(store));
		expectEachOnce(seen);
	}, 120_000);
});
