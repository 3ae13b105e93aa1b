import type { Redis } from "ioredis";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionDisabledError, type TokenStore } from "../../src/index.js";
import { PostgresTokenStore } from "../../src/postgres/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";
import { usePostgresServer } from "../support/postgres-server.js";
import { hasRedisServer, type RedisServer, startRedisServer } from "../support/redis-server.js";
import { rejection } from "../support/rejection.js";
import { setup } from "../support/token-manager-setup.js";

// Each cause of each status transition, kept with the record on the stores many processes share: what one
// process writes, every other reads (through its own client), and the listing by status follows.
function describeHealth(name: string, stores: () => { store: TokenStore; other: TokenStore }) {
	describe(`connection health on ${name}`, () => {
		it("degraded on a 5xx, active again on success, disabled and enabled, reauthorization_required on invalid_grant", async () => {
			const { store, other } = stores();
			const { endpoint, manager, signIn } = setup({ store });
			const { manager: elsewhere } = setup({ store: other });
			await signIn();
			const status = async () => (await elsewhere.getConnection("conn"))?.status;
			const listed = async (wanted: "active" | "degraded" | "reauthorization_required" | "disabled") =>
				(await elsewhere.listConnections({ status: wanted, limit: 1_000 })).connections.some((each) => each.key === "conn");
			expect(await status()).toBe("active");

			endpoint.fault = "503";
			// With real timers: the resends inside the reuse window (250 ms, 1 s, 4 s) run as they would.
			await rejection(manager.getAccessToken("conn"));
			expect(await elsewhere.getConnection("conn")).toMatchObject({ status: "degraded", lastErrorKind: "server", consecutiveFailures: 1 });
			expect(await listed("degraded")).toBe(true);
			expect(await listed("active")).toBe(false);

			endpoint.fault = "none";
			expect(await manager.getAccessToken("conn")).toBe("at-1");
			expect(await status()).toBe("active");
			expect(await listed("active")).toBe(true);

			await elsewhere.disable("conn");
			expect(await rejection(manager.getAccessToken("conn"))).toBeInstanceOf(ConnectionDisabledError);
			expect(await listed("disabled")).toBe(true);
			await manager.enable("conn");
			expect(await status()).toBe("active");

			endpoint.current = "rt-revoked";
			await manager.refresh("conn").catch(() => {});
			expect(await elsewhere.getConnection("conn")).toMatchObject({ status: "reauthorization_required", reason: "invalid_grant" });
			expect(await listed("reauthorization_required")).toBe(true);
			expect(endpoint.invalidGrants).toBe(1);
		}, 30_000);
	});
}

describe.skipIf(!hasRedisServer())("on a real redis-server", () => {
	let redis: RedisServer;
	const clients: Redis[] = [];
	beforeAll(async () => {
		redis = await startRedisServer();
	});
	afterAll(async () => {
		for (const client of clients) client.disconnect();
		await redis?.stop();
	});
	let run = 0;
	describeHealth("RedisTokenStore", () => {
		const prefix = `health-${run++}:`;
		const [first, second] = [redis.client(), redis.client()];
		clients.push(first, second);
		return {
			store: new RedisTokenStore({ client: first, prefix, subscriber: false }),
			other: new RedisTokenStore({ client: second, prefix, subscriber: false }),
		};
	});
});

describe("on PostgreSQL 18", () => {
	let pool: pg.Pool;
	let otherPool: pg.Pool;
	usePostgresServer(async (_server, [first, second]) => {
		[pool, otherPool] = [first as pg.Pool, second as pg.Pool];
		await new PostgresTokenStore({ client: pool, table: "health_tokens" }).ensureSchema();
	}, 2);
	describeHealth("PostgresTokenStore", () => ({
		store: new PostgresTokenStore({ client: pool, table: "health_tokens", listener: false }),
		other: new PostgresTokenStore({ client: otherPool, table: "health_tokens", listener: false }),
	}));
});
