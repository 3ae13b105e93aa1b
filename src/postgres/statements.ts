// The SQL of PostgresTokenStore: every statement, built once per table (already quoted) when a store is.

/**
 * `statement` (which returns the changed rows' `key`), followed in the same statement by a `NOTIFY` per changed
 * row on the channel given as parameter `$channel`. Postgres delivers it when the statement commits, and only then.
 */
function notifying(statement: string, channel: number): string {
	return `WITH changed AS (${statement}) SELECT key, pg_notify($${channel}::text, key) FROM changed`;
}

/** Every statement of a store on `table` (already quoted), built once when the store is. */
export function statements(table: string) {
	return {
		get: `SELECT version, token_set FROM ${table} WHERE key = $1`,
		getVersion: `SELECT version FROM ${table} WHERE key = $1`,
		// The fenced write: it lands only if the version is still the one the writer read.
		update: notifying(
			`UPDATE ${table} SET version = $3, token_set = $4, issued_at = $5, status = $7, pending_events = $8, updated_at = now() WHERE key = $1 AND version = $2 RETURNING key`,
			6,
		),
		// Version 0 is also "no row at all": the first write inserts it. Of two first writes, the second conflicts and loses.
		insert: notifying(
			`INSERT INTO ${table} (key, version, token_set, issued_at, status, pending_events) VALUES ($1, $2, $3, $4, $6, $7) ON CONFLICT (key) DO NOTHING RETURNING key`,
			5,
		),
		// A tombstone one version higher, so a refresh in flight cannot write the connection back.
		delete: notifying(
			`UPDATE ${table} SET version = version + 1, token_set = NULL, issued_at = NULL, status = NULL, pending_events = NULL, updated_at = now() WHERE key = $1 AND token_set IS NOT NULL RETURNING key`,
			2,
		),
		// One statement: insert a lease-only row, or take the lease of an existing row if it is free or expired.
		acquireLease: `INSERT INTO ${table} AS existing (key, lease_owner, lease_expires_at)
			 VALUES ($1, $2, clock_timestamp() + $3::double precision * interval '1 millisecond')
			 ON CONFLICT (key) DO UPDATE SET lease_owner = EXCLUDED.lease_owner, lease_expires_at = EXCLUDED.lease_expires_at
			 WHERE existing.lease_expires_at IS NULL OR existing.lease_expires_at <= clock_timestamp()
			 RETURNING key`,
		// Owner-checked: a holder whose lease expired and was taken over can neither extend nor free the new holder's.
		renewLease: `UPDATE ${table} SET lease_expires_at = clock_timestamp() + $3::double precision * interval '1 millisecond'
			 WHERE key = $1 AND lease_owner = $2 AND lease_expires_at > clock_timestamp() RETURNING key`,
		releaseLease: notifying(
			`UPDATE ${table} SET lease_owner = NULL, lease_expires_at = NULL WHERE key = $1 AND lease_owner = $2 RETURNING key`,
			3,
		),
		listIdleKeys: `SELECT key, issued_at FROM ${table} WHERE token_set IS NOT NULL AND issued_at IS NOT NULL AND issued_at < $1 ORDER BY issued_at, key LIMIT $2`,
		listIdleKeysAfter: `SELECT key, issued_at FROM ${table} WHERE token_set IS NOT NULL AND issued_at IS NOT NULL AND issued_at < $1 AND (issued_at, key) > ($3, $4) ORDER BY issued_at, key LIMIT $2`,
		listKeys: `SELECT key FROM ${table} WHERE token_set IS NOT NULL AND ($2::text IS NULL OR key > $2) ORDER BY key LIMIT $1`,
		// Two forms each, so that `key > $n` stays an index condition even in a generic plan (a prepared statement).
		listConnections: `SELECT key, version, token_set FROM ${table} WHERE token_set IS NOT NULL ORDER BY key LIMIT $1`,
		listConnectionsAfter: `SELECT key, version, token_set FROM ${table} WHERE token_set IS NOT NULL AND key > $2 ORDER BY key LIMIT $1`,
		listStatus: `SELECT key, version, token_set FROM ${table} WHERE token_set IS NOT NULL AND status = $2 ORDER BY status, key LIMIT $1`,
		listStatusAfter: `SELECT key, version, token_set FROM ${table} WHERE token_set IS NOT NULL AND status = $3 AND key > $2 ORDER BY status, key LIMIT $1`,
		// The outbox index: rows whose record holds events not yet told (nearly none in fair weather).
		listPendingEvents: `SELECT key, version, token_set FROM ${table} WHERE pending_events AND token_set IS NOT NULL ORDER BY key LIMIT $1`,
		listPendingEventsAfter: `SELECT key, version, token_set FROM ${table} WHERE pending_events AND token_set IS NOT NULL AND key > $2 ORDER BY key LIMIT $1`,
		// Rows written before the status column existed (or by a 0.2 process meanwhile), through the status index.
		unfilledStatus: `SELECT key, version, token_set FROM ${table} WHERE token_set IS NOT NULL AND status IS NULL AND key > $2 ORDER BY status, key LIMIT $1`,
		fillStatus: `UPDATE ${table} SET status = $3 WHERE key = $1 AND version = $2 AND status IS NULL`,
	};
}
