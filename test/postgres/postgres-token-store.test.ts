import { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Atlassian, CorruptTokenRecordError, TokenManager } from "../../src/index.js";
import {
	DEFAULT_TOKEN_TABLE,
	type PostgresClient,
	type PostgresListener,
	PostgresTokenStore,
	pgListener,
	tokenTableSQL,
} from "../../src/postgres/index.js";
import { AtlassianEmulator, DEFAULT_CLIENT } from "../../src/testing/index.js";
import { createPool, endPool, type RunningPostgres, startPostgres } from "../support/postgres-server.js";
import { within } from "../support/raw-http-server.js";
import { rejection } from "../support/rejection.js";
import { describeRotationAcrossProcesses } from "../support/rotation-across-processes.js";

const columns = async (client: PostgresClient, table: string) =>
	(
		await client.query(
			"SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
			[table],
		)
	).rows;

describe("PostgresTokenStore on embedded PostgreSQL 18", () => {
	let postgres: RunningPostgres;
	let pool: pg.Pool;

	beforeAll(async () => {
		postgres = await startPostgres();
		pool = createPool(postgres.url);
	}, 60_000);

	afterAll(async () => {
		if (pool) await endPool(pool);
		await postgres?.stop();
	});

	describe("schema", () => {
		it("ensureSchema() creates one table and its index, and is safe to run twice and from several processes at once", async () => {
			const pools = Array.from({ length: 4 }, () => createPool(postgres.url, { max: 1 }));
			try {
				await Promise.all(pools.map((each) => new PostgresTokenStore({ client: each, table: "concurrent_schema" }).ensureSchema()));
				await new PostgresTokenStore({ client: pool, table: "concurrent_schema" }).ensureSchema();
			} finally {
				await Promise.all(pools.map(endPool));
			}
			expect((await columns(pool, "concurrent_schema")).map((column) => column.column_name)).toEqual([
				"key",
				"version",
				"token_set",
				"issued_at",
				"status",
				"pending_events",
				"lease_owner",
				"lease_expires_at",
				"updated_at",
			]);
			const indexes = await pool.query("SELECT indexname FROM pg_indexes WHERE tablename = 'concurrent_schema' ORDER BY indexname");
			expect(indexes.rows.map((row) => row.indexname)).toEqual([
				"concurrent_schema_idle",
				"concurrent_schema_outbox",
				"concurrent_schema_pkey",
				"concurrent_schema_status",
			]);
		});

		it("tokenTableSQL() is the same schema, for your own migrations (run here as one node-postgres query)", async () => {
			await pool.query(tokenTableSQL("migrated_tokens"));
			await pool.query(tokenTableSQL("migrated_tokens"));
			await new PostgresTokenStore({ client: pool, table: "ensured_tokens" }).ensureSchema();
			expect(await columns(pool, "migrated_tokens")).toEqual(await columns(pool, "ensured_tokens"));
			expect(tokenTableSQL()).toContain(`CREATE TABLE IF NOT EXISTS "${DEFAULT_TOKEN_TABLE}"`);
		});

		it("takes a schema-qualified table", async () => {
			await pool.query("CREATE SCHEMA IF NOT EXISTS integrations");
			const store = new PostgresTokenStore({ client: pool, table: "integrations.atlassian_tokens" });
			await store.ensureSchema();
			const tokens = { accessToken: "a", refreshToken: "r", expiresAt: 1, scopes: [], version: 1 };
			expect(await store.compareAndSet("k", 0, tokens)).toBe(true);
			expect((await pool.query("SELECT key FROM integrations.atlassian_tokens")).rows).toEqual([{ key: "k" }]);
		});
	});

	it("pgListener: when its LISTEN connection is killed, it connects again and notifications flow again", async () => {
		const listenerPool = createPool(postgres.url);
		listenerPool.on("error", () => {});
		const listener = pgListener(listenerPool);
		try {
			const store = new PostgresTokenStore({ client: pool, table: "listened", listener });
			await store.ensureSchema();
			let notified = 0;
			const stop = store.watch?.("k", () => {
				notified++;
			});
			const listening = async () =>
				Number((await pool.query("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN%'")).rows[0]?.n);
			await expect.poll(listening, { timeout: 5_000 }).toBe(1);
			const tokens = (version: number) => ({ accessToken: `a${version}`, refreshToken: "r", expiresAt: 1, scopes: [], version });
			await store.compareAndSet("k", 0, tokens(1));
			await expect.poll(() => notified, { timeout: 5_000 }).toBeGreaterThan(0);
			// The database drops the listening connection (a restart, a failover, an admin).
			await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'");
			await expect.poll(listening, { timeout: 10_000 }).toBe(1);
			const before = notified;
			await store.compareAndSet("k", 1, tokens(2));
			await expect.poll(() => notified, { timeout: 5_000 }).toBeGreaterThan(before);
			stop?.();
		} finally {
			await listener.close();
			await endPool(listenerPool);
		}
	});

	it("listens on its pool without any option, on one connection taken on the first wait; pool.end() is not held by it", async () => {
		const own = createPool(postgres.url, { max: 3 });
		own.on("error", () => {});
		const store = new PostgresTokenStore({ client: own, table: "default_listener" });
		await store.ensureSchema();
		const listening = async () =>
			Number((await pool.query("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN%default_listener%'")).rows[0]?.n);
		expect(await listening()).toBe(0);
		let notified = 0;
		store.watch?.("k", () => {
			notified++;
		});
		await expect.poll(listening, { timeout: 5_000 }).toBe(1);
		await new PostgresTokenStore({ client: pool, table: "default_listener", listener: false }).compareAndSet("k", 0, {
			accessToken: "a",
			refreshToken: "r",
			expiresAt: 1,
			scopes: [],
			version: 1,
		});
		await expect.poll(() => notified, { timeout: 5_000 }).toBeGreaterThan(0);
		// The app shuts down without closing the store: its pool ends all the same.
		await within(endPool(own), 5_000, "pool.end()");
		await expect.poll(listening, { timeout: 5_000 }).toBe(0);
		expect(new PostgresTokenStore({ client: pool, listener: false }).watch).toBeUndefined();
	});

	it("any number of stores share one pgListener: one LISTEN per table, dropped by close() after the last store", async () => {
		const listenerPool = createPool(postgres.url);
		listenerPool.on("error", () => {});
		const listener = pgListener(listenerPool);
		let listens = 0;
		let unlistens = 0;
		const counting: PostgresListener = {
			listen: async (channel, callback) => {
				listens++;
				const unlisten = await listener.listen(channel, callback);
				return async () => {
					unlistens++;
					await unlisten();
				};
			},
		};
		try {
			const stores = Array.from(
				{ length: 301 },
				() => new PostgresTokenStore({ client: pool, table: "shared_listener", listener: counting }),
			);
			await stores[0]?.ensureSchema();
			const woken = new Set<number>();
			for (const [index, store] of stores.entries()) store.watch?.("k", () => woken.add(index));
			expect(listens).toBe(1);
			const listening = async () =>
				Number((await pool.query("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'LISTEN%'")).rows[0]?.n);
			await expect.poll(listening, { timeout: 5_000 }).toBe(1);
			await stores[0]?.compareAndSet("k", 0, { accessToken: "a", refreshToken: "r", expiresAt: 1, scopes: [], version: 1 });
			await expect.poll(() => woken.size, { timeout: 5_000 }).toBe(301);
			for (const store of stores.slice(1)) await store.close();
			expect(unlistens).toBe(0);
			await stores[0]?.close();
			await expect.poll(() => unlistens, { timeout: 5_000 }).toBe(1);
		} finally {
			await listener.close();
			await endPool(listenerPool);
		}
	});

	describeRotationAcrossProcesses(() => ({
		workerEnv: () => ({ POSTGRES_URL: postgres.url }),
		store: async (table) => {
			const store = new PostgresTokenStore({ client: pool, table });
			await store.ensureSchema();
			await store.delete("conn");
			return store;
		},
		isLeaseHeld: async (table) =>
			(await pool.query(`SELECT 1 FROM "${table}" WHERE key = 'conn' AND lease_expires_at > clock_timestamp()`)).rows.length === 1,
	}));
});

describe("PostgresTokenStore, any database", () => {
	it.each(["tokens; DROP TABLE users", 'tokens"', "a.b.c", "1tokens", "", "x".repeat(64)])(
		"refuses the table name %j before any SQL is built",
		(table) => {
			expect(() => new PostgresTokenStore({ client: { query: async () => ({ rows: [] }) }, table })).toThrow(TypeError);
			expect(() => tokenTableSQL(table)).toThrow(TypeError);
		},
	);

	it("ensureSchema() takes another process's concurrent creation in its stride, and reports any other failure", async () => {
		// Its DDL fails as a concurrent creation (or otherwise) would; its queries find nothing to fill in.
		const failing = (code: string): PostgresClient => ({
			query: async (text: string) => {
				if (/^\s*(CREATE|ALTER)/.test(text)) throw Object.assign(new Error(`SQLSTATE ${code}`), { code });
				return { rows: [] };
			},
		});
		await new PostgresTokenStore({ client: failing("42P07") }).ensureSchema(); // duplicate_table
		await new PostgresTokenStore({ client: failing("23505") }).ensureSchema(); // unique_violation in the catalog
		expect(await rejection(new PostgresTokenStore({ client: failing("42501") }).ensureSchema())).toMatchObject({ code: "42501" });
	});

	it("ensureSchema() on a table made by 0.2 adds the status column and fills it in by the one status rule", async () => {
		const db = new PGlite();
		try {
			// The 0.2 table: no status column.
			await db.query(`CREATE TABLE old_tokens (key text PRIMARY KEY, version bigint NOT NULL DEFAULT 0, token_set text, issued_at bigint,
				lease_owner text, lease_expires_at timestamptz, updated_at timestamptz NOT NULL DEFAULT now())`);
			const set = (fields: object) => JSON.stringify({ accessToken: "at", refreshToken: "rt", expiresAt: 1, scopes: [], ...fields });
			await db.query("INSERT INTO old_tokens (key, version, token_set) VALUES ($1, 1, $2), ($3, 1, $4), ($5, 1, $6), ($7, 1, $8)", [
				"a",
				set({}),
				"b",
				set({ reauthorizationRequired: true }),
				"c",
				"not json",
				"d",
				set({ consecutiveFailures: 2 }),
			]);
			const store = new PostgresTokenStore({ client: db, table: "old_tokens" });
			await store.ensureSchema();
			const keys = async (status: "active" | "reauthorization_required" | "degraded") =>
				(await store.listConnections({ limit: 10, status })).map((each) => each.key);
			expect(await keys("active")).toEqual(["a"]);
			expect(await keys("reauthorization_required")).toEqual(["b"]);
			expect(await keys("degraded")).toEqual(["d"]);
			// The corrupt row is given no status, and left out of every listing: get() reports it.
			expect((await store.listConnections({ limit: 10 })).map((each) => each.key)).toEqual(["a", "b", "d"]);
			await expect(store.get("c")).rejects.toBeInstanceOf(CorruptTokenRecordError);
			await store.ensureSchema(); // safe to run again
		} finally {
			await db.close();
		}
	});

	it("without a listener has no watch(); a listener that fails only costs polling, and is tried again", async () => {
		const client: PostgresClient = { query: async () => ({ rows: [] }) };
		expect(new PostgresTokenStore({ client }).watch).toBeUndefined();
		let attempts = 0;
		const store = new PostgresTokenStore({
			client,
			listener: {
				listen: async () => {
					attempts++;
					throw new Error("no LISTEN here");
				},
			},
		});
		const stop = store.watch?.("k", () => {});
		await new Promise((resolve) => setTimeout(resolve, 10));
		store.watch?.("k", () => {})();
		await new Promise((resolve) => setTimeout(resolve, 10));
		stop?.();
		expect(attempts).toBe(2);
	});

	it("needs a client with query()", () => {
		expect(() => new PostgresTokenStore({ client: {} as PostgresClient })).toThrow(/query\(text, params\)/);
	});

	it("bounds every statement by the caller's signal", async () => {
		const stalled: PostgresClient = { query: () => new Promise(() => {}) };
		const store = new PostgresTokenStore({ client: stalled });
		const controller = new AbortController();
		const reading = store.get("k", { signal: controller.signal });
		controller.abort(new Error("gave up"));
		expect(await rejection(reading)).toMatchObject({ message: "gave up" });
		expect(await rejection(store.getVersion("k", { signal: AbortSignal.abort(new Error("already")) }))).toMatchObject({
			message: "already",
		});
	});

	it("backs a TokenManager on PGlite: sign-in, refresh with rotation, and the tokens survive a new store instance", async () => {
		const db = new PGlite();
		try {
			const emulator = new AtlassianEmulator();
			const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, DEFAULT_CLIENT.redirectURIs[0] as string, {
				fetch: async (input, init) => emulator.handle(new Request(input, init)),
			});
			const store = new PostgresTokenStore({ client: db });
			await store.ensureSchema();
			const tokens = new TokenManager(atlassian, { store });
			const code = emulator.issueAuthorizationCode({
				redirectURI: DEFAULT_CLIENT.redirectURIs[0] as string,
				scopes: ["read:me", "offline_access"],
			});
			const saved = await tokens.save("user-42", await atlassian.validateAuthorizationCode(code));
			const refreshed = await tokens.refresh("user-42");
			expect(refreshed.refreshToken).not.toBe(saved.refreshToken);
			expect(emulator.isRefreshTokenCurrent(refreshed.refreshToken as string)).toBe(true);
			const again = new TokenManager(atlassian, { store: new PostgresTokenStore({ client: db }) });
			expect(await again.getAccessToken("user-42")).toBe(refreshed.accessToken);
			await again.delete("user-42");
			expect(await tokens.getTokenSet("user-42")).toBeNull();
		} finally {
			await db.close();
		}
	});
});
