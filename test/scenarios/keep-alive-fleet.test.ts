import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Atlassian, type KeepAliveReport, MemoryTokenStore, TokenManager, type TokenStore } from "../../src/index.js";
import { PostgresTokenStore } from "../../src/postgres/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";
import { AtlassianEmulator, DEFAULT_CLIENT } from "../../src/testing/index.js";
import { createPool, endPool, type RunningPostgres, startPostgres } from "../support/postgres-server.js";
import { hasRedisServer, type RedisServer, startRedisServer } from "../support/redis-server.js";

// The red team's finding: dead connections at the front of the idle list starved keepAlive() of live ones,
// which then died at Atlassian's 90-day limit. Here, 100 days of a daily keepAlive() with its defaults.

const DAY_MS = 24 * 3600 * 1000;
const REDIRECT_URI = DEFAULT_CLIENT.redirectURIs[0] as string;

interface FleetStore {
	store: TokenStore;
	/** Puts a connection back into the keep-alive index as a release before 0.3 left it there, if the store can. */
	indexAsBefore?: (key: string, issuedAt: number) => Promise<void>;
}

/**
 * 250 grants revoked at Atlassian and 250 connections already marked for re-authorization, all idle longer
 * than the 5 live ones. keepAlive() runs daily, with its defaults, for 100 days.
 */
async function simulate({ store, indexAsBefore }: FleetStore, prefix: string) {
	let now = Date.UTC(2027, 0, 1);
	const emulator = new AtlassianEmulator({ now: () => now });
	const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, REDIRECT_URI, {
		hosts: { authorizationServer: "https://emulator.test", apiGateway: "https://emulator.test" },
		fetch: (input, init) => emulator.handle(new Request(input, init)),
	});
	const manager = new TokenManager(atlassian, { store, now: () => now });
	const signIn = async (key: string) =>
		manager.save(
			key,
			await atlassian.validateAuthorizationCode(emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ["offline_access"] })),
		);
	const revoked = Array.from({ length: 250 }, (_, index) => `${prefix}revoked-${String(index).padStart(3, "0")}`);
	const marked = Array.from({ length: 250 }, (_, index) => `${prefix}marked-${String(index).padStart(3, "0")}`);
	const live = Array.from({ length: 5 }, (_, index) => `${prefix}live-${index}`);
	for (const key of revoked) await signIn(key);
	emulator.revokeAllTokens();
	now += 1_000;
	for (const key of marked) {
		const saved = await signIn(key);
		await store.compareAndSet(key, saved.version, { ...saved, reauthorizationRequired: true, version: saved.version + 1 });
		await indexAsBefore?.(key, saved.issuedAt as number);
	}
	now += 1_000;
	for (const key of live) await signIn(key);

	const reports: KeepAliveReport[] = [];
	for (let day = 1; day <= 100; day++) {
		now += DAY_MS;
		reports.push(await manager.keepAlive());
	}

	// Every live connection is alive on day 100: Atlassian still takes its refresh token.
	const alive: string[] = [];
	for (const key of live) {
		if (
			await manager.refresh(key).then(
				() => true,
				() => false,
			)
		)
			alive.push(key);
	}
	const skipped = new Set(reports.flatMap((report) => report.skipped.map((entry) => entry.key)));
	const failed = new Set(reports.flatMap((report) => report.failed.map((entry) => entry.key)));
	const stillIndexed = new Set((await store.listIdleKeys?.(Number.MAX_SAFE_INTEGER, { limit: 10_000 }))?.map((entry) => entry.key));
	const dead = [...revoked, ...marked];
	return {
		alive,
		refreshesOfLive: reports.flatMap((report) => report.refreshed).filter((key) => live.includes(key)).length,
		deadUnaccounted: dead.filter((key) => stillIndexed.has(key) && !skipped.has(key)),
		deadStillIndexed: dead.filter((key) => stillIndexed.has(key)).length,
		revokedReported: revoked.filter((key) => failed.has(key) || skipped.has(key)).length,
		live,
	};
}

function expectFleetKept(result: Awaited<ReturnType<typeof simulate>>, store: string) {
	console.log(
		`keepAlive 100 days on ${store}: live alive ${result.alive.length}/${result.live.length}, refreshes of live ${result.refreshesOfLive}, ` +
			`revoked reported ${result.revokedReported}/250, dead still in the idle index ${result.deadStillIndexed}/500`,
	);
	expect(result.alive).toEqual(result.live);
	// Idle for 30 days each time: refreshed on about days 30, 60 and 90.
	expect(result.refreshesOfLive).toBeGreaterThanOrEqual(15);
	expect(result.deadUnaccounted).toEqual([]);
	expect(result.deadStillIndexed).toBe(0);
	expect(result.revokedReported).toBe(250);
}

describe("keepAlive() over 100 days: 5 live connections behind 500 dead ones", () => {
	it("on MemoryTokenStore, keeps all 5 alive", async () => {
		expectFleetKept(await simulate({ store: new MemoryTokenStore() }, "mem-"), "MemoryTokenStore");
	}, 120_000);

	describe.skipIf(!hasRedisServer())("on a real redis-server", () => {
		let redis: RedisServer;
		beforeAll(async () => {
			redis = await startRedisServer();
		});
		afterAll(async () => {
			await redis?.stop();
		});

		it("keeps all 5 alive, with dead connections left in the index by an older release", async () => {
			const client = redis.client();
			try {
				const store = new RedisTokenStore({ client, prefix: "fleet:" });
				const indexAsBefore = async (key: string, issuedAt: number) => {
					await client.zadd("fleet:issued-at", issuedAt, key);
				};
				expectFleetKept(await simulate({ store, indexAsBefore }, "redis-"), "RedisTokenStore");
			} finally {
				client.disconnect();
			}
		}, 120_000);
	});

	describe("on embedded PostgreSQL 18", () => {
		let postgres: RunningPostgres;
		let pool: pg.Pool;
		beforeAll(async () => {
			postgres = await startPostgres();
			pool = createPool(postgres.url, { max: 4 });
			await new PostgresTokenStore({ client: pool, table: "fleet" }).ensureSchema();
		}, 60_000);
		afterAll(async () => {
			if (pool) await endPool(pool);
			await postgres?.stop();
		});

		it("keeps all 5 alive, with dead connections left in the index by an older release", async () => {
			const store = new PostgresTokenStore({ client: pool, table: "fleet" });
			const indexAsBefore = async (key: string, issuedAt: number) => {
				await pool.query("UPDATE fleet SET issued_at = $2 WHERE key = $1", [key, issuedAt]);
			};
			expectFleetKept(await simulate({ store, indexAsBefore }, "pg-"), "PostgresTokenStore");
		}, 120_000);
	});
});
