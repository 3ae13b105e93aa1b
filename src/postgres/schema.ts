/** The table PostgresTokenStore keeps, and its name, checked and quoted so it can never carry SQL. */

export const DEFAULT_TOKEN_TABLE = "atlassian_token_sets";

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The table name, checked and double-quoted part by part, so it can never carry SQL. */
export function quotedTable(table: string): { name: string; idleIndexName: string; statusIndexName: string; outboxIndexName: string } {
	const parts = table.split(".");
	if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
		throw new TypeError(`table must be a Postgres identifier, optionally schema-qualified (letters, digits, _), got "${table}"`);
	}
	const last = parts.at(-1) as string;
	return {
		name: parts.map((part) => `"${part}"`).join("."),
		idleIndexName: `"${last.slice(0, 50)}_idle"`,
		statusIndexName: `"${last.slice(0, 50)}_status"`,
		outboxIndexName: `"${last.slice(0, 50)}_outbox"`,
	};
}

export function schemaStatements(table: string): string[] {
	const { name, idleIndexName, statusIndexName, outboxIndexName } = quotedTable(table);
	return [
		`CREATE TABLE IF NOT EXISTS ${name} (
	-- One row per connection (TokenManager key).
	key text PRIMARY KEY,
	-- Every write is a compare-and-set on it; it never goes back, across deletes too.
	version bigint NOT NULL DEFAULT 0,
	-- The token set as JSON (without its version); NULL for a deleted connection (a tombstone) or a lease-only row.
	token_set text,
	-- When the refresh token was issued, epoch ms: the keep-alive index (Atlassian ends refresh tokens unused for 90 days).
	-- NULL when the connection cannot be kept alive: deleted, marked for re-authorization, or disabled.
	issued_at bigint,
	-- The connection's status (active, degraded, reauthorization_required, disabled), for listConnections(); NULL when deleted.
	status text,
	-- True while the record's outbox holds connection events not yet told (onConnectionEvent), for listPendingEvents().
	pending_events boolean,
	-- The refresh lease: who holds it, and until when (the database's clock, so hosts' clocks cannot disagree).
	lease_owner text,
	lease_expires_at timestamptz,
	updated_at timestamptz NOT NULL DEFAULT now()
)`,
		// (issued_at, key): keepAlive() pages through it with a row comparison. (0.2 had "…_issued_at" on
		// issued_at alone; it may be dropped.)
		`CREATE INDEX IF NOT EXISTS ${idleIndexName} ON ${name} (issued_at, key) WHERE issued_at IS NOT NULL`,
		// Added in 0.3: a table made by 0.2 gains the column here; ensureSchema() then fills it in for existing rows.
		`ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS status text`,
		// (status, key): listConnections() pages through one status, or finds the rows whose status is not filled in yet.
		`CREATE INDEX IF NOT EXISTS ${statusIndexName} ON ${name} (status, key) WHERE token_set IS NOT NULL`,
		// Added in 0.3 with connection events; a 0.2 row has none, so NULL is right for it.
		`ALTER TABLE ${name} ADD COLUMN IF NOT EXISTS pending_events boolean`,
		// The outbox index: only rows with events not yet told, so it stays nearly empty.
		`CREATE INDEX IF NOT EXISTS ${outboxIndexName} ON ${name} (key) WHERE pending_events AND token_set IS NOT NULL`,
	];
}

/**
 * The SQL `ensureSchema()` runs, for your own migrations (node-pg-migrate, Prisma, Flyway…): one table and
 * three partial indexes, each statement ending in `;`. Safe to run twice. On a table made by 0.2, run
 * `ensureSchema()` once after it too: it fills in the status of existing rows.
 */
export function tokenTableSQL(table: string = DEFAULT_TOKEN_TABLE): string {
	return `${schemaStatements(table).join(";\n\n")};\n`;
}

export function isConcurrentCreation(error: unknown): boolean {
	const code = (error as { code?: unknown } | null)?.code;
	// unique_violation (on pg_type / pg_class), duplicate_table, duplicate_object
	return code === "23505" || code === "42P07" || code === "42710";
}
