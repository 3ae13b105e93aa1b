import type { Redis } from "ioredis";
import type pg from "pg";
import type { StoredTokenSet } from "../../src/index.js";

// A fleet of stored connections seeded in bulk, exactly as the stores lay them out, for listing tests and the bench.

export const fleetKey = (index: number) => `tenant-${String(index).padStart(6, "0")}`;

export function fleetSet(version: number, fields: Partial<StoredTokenSet> = {}): StoredTokenSet {
	return {
		accessToken: `at-${version}`,
		refreshToken: `rt-${version}`,
		expiresAt: 1_800_000_000_000,
		scopes: ["read:jira-work", "offline_access"],
		version,
		consentedAt: 1_700_000_000_000,
		issuedAt: 1_700_000_000_000,
		...fields,
	};
}

/** `count` connections on RedisTokenStore's layout under `prefix`; every `degradedEvery`th one degraded. */
export async function seedRedisFleet(client: Redis, prefix: string, count: number, degradedEvery = 0): Promise<void> {
	for (let start = 0; start < count; start += 5_000) {
		const batch = client.pipeline();
		for (let index = start; index < Math.min(count, start + 5_000); index++) {
			const degraded = degradedEvery > 0 && index % degradedEvery === 0;
			const { version, ...data } = fleetSet(1, degraded ? { consecutiveFailures: 1, lastErrorKind: "server" } : {});
			batch.hset(`${prefix}{${fleetKey(index)}}:tokens`, "v", version, "d", JSON.stringify(data));
			batch.zadd(`${prefix}{connections}:all`, 0, fleetKey(index));
			batch.zadd(`${prefix}{connections}:status`, 0, `${degraded ? "degraded" : "active"}\u0000${fleetKey(index)}`);
		}
		await batch.exec();
	}
}

/** `count` connections in a PostgresTokenStore table (made by `ensureSchema()`); every `degradedEvery`th one degraded. */
export async function seedPostgresFleet(pool: pg.Pool, table: string, count: number, degradedEvery = 0): Promise<void> {
	const { version: _, ...active } = fleetSet(1);
	const { version: __, ...degraded } = fleetSet(1, { consecutiveFailures: 1, lastErrorKind: "server" });
	await pool.query(
		`INSERT INTO ${table} (key, version, token_set, issued_at, status)
		 SELECT 'tenant-' || lpad(n::text, 6, '0'), 1,
		        CASE WHEN $4 > 0 AND n % $4 = 0 THEN $2 ELSE $1 END, 1700000000000,
		        CASE WHEN $4 > 0 AND n % $4 = 0 THEN 'degraded' ELSE 'active' END
		 FROM generate_series(0, $3 - 1) AS n`,
		[JSON.stringify(active), JSON.stringify(degraded), count, degradedEvery],
	);
}
