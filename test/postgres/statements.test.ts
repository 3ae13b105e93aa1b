import { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { schemaStatements } from "../../src/postgres/schema.js";
import { statements } from "../../src/postgres/statements.js";

describe("PostgresTokenStore's statements, on PGlite", () => {
	const db = new PGlite();
	const sql = statements('"tokens"');

	beforeAll(async () => {
		for (const statement of schemaStatements("tokens")) await db.query(statement);
		// With sequential scans off, a plan without an index means the statement cannot use one.
		await db.query("SET enable_seqscan = off");
	});

	afterAll(async () => {
		await db.close();
	});

	const plan = async (text: string, params: unknown[]) =>
		(await db.query<{ "QUERY PLAN": string }>(`EXPLAIN ${text}`, params)).rows.map((row) => row["QUERY PLAN"]).join("\n");

	it.each([
		["listConnections", sql.listConnections, [100]],
		["listConnectionsAfter", sql.listConnectionsAfter, [100, "user-5"]],
		["listStatus", sql.listStatus, [100, "degraded"]],
		["listStatusAfter", sql.listStatusAfter, [100, "user-5", "degraded"]],
		["unfilledStatus", sql.unfilledStatus, [500, ""]],
		["listPendingEvents", sql.listPendingEvents, [100]],
		["listPendingEventsAfter", sql.listPendingEventsAfter, [100, "user-5"]],
		["listIdleKeysAfter", sql.listIdleKeysAfter, [1_000, 100, 5, "user-5"]],
		["listKeys", sql.listKeys, [100, "user-5"]],
	] as const)("%s pages through an index, with its cursor as an index condition", async (_, text, params) => {
		const explained = await plan(text, [...params]);
		expect(explained).toMatch(/Index (Only )?Scan/);
		expect(explained).not.toMatch(/Seq Scan/);
		// The cursor bounds the index range (a row comparison for the idle index), rather than filtering rows before it.
		if (text.includes("key >") || text.includes(") > (")) expect(explained).toMatch(/Index Cond: .*(key|\)) > /s);
	});
});
