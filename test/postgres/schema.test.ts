import { describe, expect, it } from "vitest";
import { DEFAULT_TOKEN_TABLE, tokenTableSQL } from "../../src/postgres/index.js";
import { isConcurrentCreation, quotedTable } from "../../src/postgres/schema.js";

describe("the token table's schema", () => {
	it("quotes each part of a table name, and refuses anything that could carry SQL", () => {
		expect(quotedTable("tokens")).toEqual({
			name: '"tokens"',
			idleIndexName: '"tokens_idle"',
			statusIndexName: '"tokens_status"',
			outboxIndexName: '"tokens_outbox"',
		});
		expect(quotedTable("integrations.atlassian_tokens").name).toBe('"integrations"."atlassian_tokens"');
		expect(quotedTable(`t${"x".repeat(62)}`).idleIndexName).toBe(`"t${"x".repeat(49)}_idle"`);
		for (const table of ['tokens"; DROP TABLE users; --', "a.b.c", "", "1tokens", "tokens-2", "x".repeat(64)]) {
			expect(() => quotedTable(table), table).toThrow(TypeError);
		}
	});

	it("tokenTableSQL is one table, the columns 0.3 added for older tables, and three partial indexes, each statement ending in ;", () => {
		const sql = tokenTableSQL();
		expect(sql).toContain(`CREATE TABLE IF NOT EXISTS "${DEFAULT_TOKEN_TABLE}"`);
		expect(sql).toContain(
			`CREATE INDEX IF NOT EXISTS "${DEFAULT_TOKEN_TABLE}_idle" ON "${DEFAULT_TOKEN_TABLE}" (issued_at, key) WHERE issued_at IS NOT NULL;`,
		);
		expect(sql).toContain(`ALTER TABLE "${DEFAULT_TOKEN_TABLE}" ADD COLUMN IF NOT EXISTS status text;`);
		expect(sql).toContain(
			`CREATE INDEX IF NOT EXISTS "${DEFAULT_TOKEN_TABLE}_status" ON "${DEFAULT_TOKEN_TABLE}" (status, key) WHERE token_set IS NOT NULL;`,
		);
		expect(sql).toContain(`ALTER TABLE "${DEFAULT_TOKEN_TABLE}" ADD COLUMN IF NOT EXISTS pending_events boolean;`);
		expect(sql).toContain(
			`CREATE INDEX IF NOT EXISTS "${DEFAULT_TOKEN_TABLE}_outbox" ON "${DEFAULT_TOKEN_TABLE}" (key) WHERE pending_events AND token_set IS NOT NULL;`,
		);
		expect(sql.match(/;\n/g)).toHaveLength(6);
		expect(() => tokenTableSQL("bad name")).toThrow(TypeError);
	});

	it("tells another process's concurrent creation from a real failure", () => {
		for (const code of ["23505", "42P07", "42710"]) expect(isConcurrentCreation({ code })).toBe(true);
		expect(isConcurrentCreation({ code: "42501" })).toBe(false);
		expect(isConcurrentCreation(null)).toBe(false);
		expect(isConcurrentCreation(new Error("x"))).toBe(false);
	});
});
