import { PGlite } from "@electric-sql/pglite";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, it } from "vitest";
import { encryptedTokenStore, MemoryTokenStore, type StoredTokenSet, type TokenStore } from "../../src/index.js";
import { PostgresTokenStore, pgListener } from "../../src/postgres/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";
import { testTokenStoreConformance } from "../../src/store/index.js";
import { createPool, endPool, type RunningPostgres, startPostgres } from "../support/postgres-server.js";
import { hasRedisServer, type RedisServer, startRedisServer } from "../support/redis-server.js";

// The same contract, checked against every store the library ships.

testTokenStoreConformance("MemoryTokenStore", () => ({ store: new MemoryTokenStore() }), { describe, it });

describe("encryptedTokenStore over MemoryTokenStore", () => {
	const key = crypto.getRandomValues(new Uint8Array(32));
	testTokenStoreConformance(
		"encryptedTokenStore(MemoryTokenStore)",
		() => {
			const inner = new MemoryTokenStore();
			return {
				store: encryptedTokenStore(inner, key),
				// A record sealed under another key is one this store cannot read.
				corrupt: async (recordKey: string) => {
					const foreign = encryptedTokenStore(inner, crypto.getRandomValues(new Uint8Array(32)));
					const tokens: StoredTokenSet = { accessToken: "a", refreshToken: "r", expiresAt: 1, scopes: [], version: 1 };
					await foreign.compareAndSet(recordKey, 0, tokens);
				},
			};
		},
		{ describe, it },
	);
});

describe.skipIf(!hasRedisServer())("RedisTokenStore on a real redis-server", () => {
	let redis: RedisServer;
	const clients: Redis[] = [];
	beforeAll(async () => {
		redis = await startRedisServer();
	});
	afterAll(async () => {
		for (const client of clients) client.disconnect();
		await redis?.stop();
	});
	testTokenStoreConformance(
		"RedisTokenStore",
		() => {
			const first = redis.client();
			const second = redis.client();
			const subscriber = redis.client();
			clients.push(first, second, subscriber);
			return {
				store: new RedisTokenStore({ client: first, prefix: "conformance:", subscriber }),
				otherStore: new RedisTokenStore({ client: second, prefix: "conformance:" }),
				corrupt: async (key: string) => {
					await first.hset(`conformance:{${key}}:tokens`, "v", "1", "d", "{not json");
				},
			};
		},
		{ describe, it },
	);
});

describe("PostgresTokenStore on embedded PostgreSQL 18", () => {
	let postgres: RunningPostgres;
	beforeAll(async () => {
		postgres = await startPostgres();
		const pool = createPool(postgres.url);
		await new PostgresTokenStore({ client: pool }).ensureSchema();
		await endPool(pool);
	}, 60_000);
	afterAll(async () => {
		await postgres?.stop();
	});
	testTokenStoreConformance(
		"PostgresTokenStore (node-postgres, two pools)",
		() => {
			const first = createPool(postgres.url, { max: 4 });
			const second = createPool(postgres.url, { max: 4 });
			const listener = pgListener(first);
			return {
				close: async () => {
					await listener.close();
					await Promise.all([endPool(first), endPool(second)]);
				},
				store: new PostgresTokenStore({ client: first, listener }),
				otherStore: new PostgresTokenStore({ client: second }),
				corrupt: async (key: string) => {
					await first.query("INSERT INTO atlassian_token_sets (key, version, token_set) VALUES ($1, 1, $2)", [key, '{"accessToken":1}']);
				},
			};
		},
		{ describe, it },
	);
});

describe("PostgresTokenStore on PGlite (in-process Postgres)", () => {
	let db: PGlite;
	beforeAll(async () => {
		db = new PGlite();
		await new PostgresTokenStore({ client: db, table: "tokens" }).ensureSchema();
	}, 60_000);
	afterAll(async () => {
		await db?.close();
	});
	testTokenStoreConformance(
		"PostgresTokenStore (PGlite)",
		() => ({
			store: new PostgresTokenStore({ client: db, table: "tokens", listener: db }) as TokenStore,
			otherStore: new PostgresTokenStore({ client: db, table: "tokens" }),
			corrupt: async (key: string) => {
				await db.query("INSERT INTO tokens (key, version, token_set) VALUES ($1, 1, $2)", [key, "not json"]);
			},
		}),
		{ describe, it },
	);
});
