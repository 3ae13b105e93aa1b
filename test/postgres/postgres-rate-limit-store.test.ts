import { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresRateLimitStore } from "../../src/postgres/index.js";
import { usePostgresServer } from "../support/postgres-server.js";
import { describeRateLimitStore } from "../support/rate-limit-store-contract.js";

describe("PostgresRateLimitStore on PostgreSQL 18", () => {
	let pools: pg.Pool[] = [];
	const stores: PostgresRateLimitStore[] = [];
	usePostgresServer(async (_server, made) => {
		pools = made;
		await new PostgresRateLimitStore({ client: made[0] as pg.Pool }).ensureSchema();
		await new PostgresRateLimitStore({ client: made[1] as pg.Pool }).ensureSchema(); // twice, from another pool: safe
	}, 2);
	afterAll(async () => {
		for (const store of stores) await store.close();
	});
	const twoProcesses = async () => {
		const made = [new PostgresRateLimitStore({ client: pools[0] as pg.Pool }), new PostgresRateLimitStore({ client: pools[1] as pg.Pool })];
		stores.push(...made);
		return { store: made[0] as PostgresRateLimitStore, other: made[1] as PostgresRateLimitStore };
	};

	describeRateLimitStore("PostgresRateLimitStore", twoProcesses, 200);

	it("reserves each slot once when many callers race for it", async () => {
		const { store, other } = await twoProcesses();
		const now = Date.now();
		const slot = { key: `race-${Math.random()}`, intervalMs: 10, toleranceMs: 0 };
		const taken = await Promise.all(
			Array.from({ length: 20 }, (_, index) => (index % 2 ? store : other).reserveSlots([slot], now, now + 10_000)),
		);
		expect(new Set(taken).size).toBe(20);
		expect(Math.max(...(taken as number[]))).toBe(now + 190);
	});
});

describe("PostgresRateLimitStore on PGlite", () => {
	const db = new PGlite();
	afterAll(async () => {
		await db.close();
	});
	describeRateLimitStore("PostgresRateLimitStore (PGlite)", async () => {
		const store = new PostgresRateLimitStore({ client: db }); // PGlite listens as it is
		await store.ensureSchema();
		return { store, other: store };
	});
});
