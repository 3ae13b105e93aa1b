// Failover under load: a primary, one replica and three Sentinels; three worker processes refresh four
// connections continuously (2-second access tokens) through an ioredis Sentinel client, against a strict
// token endpoint (a spent refresh token revokes the grant). Twice, the replica is cut off (DEBUG SLEEP, and
// the primary drops the link) and the primary is SIGKILLed, so the replica is promoted without its last writes.
// With `durability`, no rotated token is lost; the control run without it is allowed to lose, and reports it.
import type { ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { Atlassian, TokenManager } from "../../src/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";
import { DEFAULT_CLIENT } from "../../src/testing/index.js";
import { hasRedisServer } from "../support/redis-server.js";
import { startRedisSentinel } from "../support/redis-topologies.js";
import { startSoakWorkers, stopSoakWorkers } from "../support/soak-workers.js";
import { startTokenServer } from "../support/token-server.js";

const KEYS = ["c0", "c1", "c2", "c3"];
const PREFIX = "sentinel:";
const REDIRECT_URI = DEFAULT_CLIENT.redirectURIs[0] as string;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function failoversUnderLoad(durable: boolean) {
	const sentinel = await startRedisSentinel();
	const server = await startTokenServer({ refreshTokenReuseIntervalSeconds: 0, accessTokenLifetimeSeconds: 2 });
	const client = new Redis({ sentinels: sentinel.sentinels, name: sentinel.name, maxRetriesPerRequest: 1 });
	client.on("error", () => {});
	const store = new RedisTokenStore({ client, prefix: PREFIX, durability: durable ? { replicas: 1, timeoutMs: 500 } : undefined });
	const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, REDIRECT_URI, { hosts: server.hosts });
	const manager = new TokenManager(atlassian, { store, leaseWaitMs: 20_000 });
	let workers: ChildProcess[] = [];
	try {
		for (const key of KEYS) {
			const code = server.emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ["read:me", "offline_access"] });
			await manager.save(key, await atlassian.validateAuthorizationCode(code));
		}
		const environment = {
			SENTINELS: sentinel.sentinels.map((node) => node.port).join(","),
			SENTINEL_NAME: sentinel.name,
			DURABLE: durable ? "1" : "0",
			TOKEN_SERVER: server.url,
			KEYS: KEYS.join(","),
			PREFIX,
		};
		workers = await startSoakWorkers([environment, environment, environment]);
		const promotions: { from: number; to: number; revocationsAfter: number; marked: number }[] = [];
		for (let cycle = 0; cycle < 2; cycle++) {
			await sleep(2_500);
			const replica = new Redis({ host: "127.0.0.1", port: await sentinel.replicaPort(), lazyConnect: true });
			const primary = new Redis({ host: "127.0.0.1", port: await sentinel.primaryPort(), lazyConnect: true });
			for (const node of [replica, primary]) node.on("error", () => {});
			const promotion = await sentinel.failover({
				beforeKill: async () => {
					// The replica sleeps and the primary drops its replication link, so the primary's next writes
					// reach no replica — while the primary still acknowledges them — until it is killed.
					void replica.call("DEBUG", "SLEEP", "2").catch(() => {});
					await sleep(50);
					await primary.call("CLIENT", "KILL", "TYPE", "replica");
					await sleep(800);
				},
			});
			replica.disconnect();
			primary.disconnect();
			await sleep(3_000);
			const marked = (await Promise.all(KEYS.map((key) => store.get(key).catch(() => null)))).filter(
				(set) => set?.reauthorizationRequired,
			).length;
			promotions.push({ ...promotion, revocationsAfter: server.emulator.refreshStats.revocations, marked });
		}
		await sleep(4_000);
		const { reports, errors } = await stopSoakWorkers(workers);
		let alive = 0;
		for (const key of KEYS) {
			const refreshed = await manager.refresh(key).catch((error: unknown) => error);
			if (
				!(refreshed instanceof Error) &&
				server.emulator.isRefreshTokenCurrent((refreshed as { refreshToken: string | null }).refreshToken ?? "")
			)
				alive++;
		}
		return {
			durability: durable ? "replicas: 1, timeoutMs: 500" : "off",
			promotions,
			calls: reports.reduce((sum, report) => sum + report.calls, 0),
			transientErrors: errors,
			refreshes: { ...server.emulator.refreshStats },
			invalidGrant: server.invalidGrants,
			connectionsAlive: alive,
		};
	} finally {
		for (const worker of workers) worker.kill("SIGKILL");
		client.disconnect();
		await server.close();
		await sentinel.stop();
	}
}

// Skipped, with one loud line from the global setup, where redis-server is not installed; CI requires it.
describe.skipIf(!hasRedisServer())("RedisTokenStore behind Redis Sentinel", () => {
	it("primary SIGKILLed twice under load while its replica lags: with durability no rotated token is lost; without, it may be", async () => {
		const durable = await failoversUnderLoad(true);
		console.log(`sentinel failover, durability on: ${JSON.stringify(durable)}`);
		const control = await failoversUnderLoad(false);
		console.log(`sentinel failover, durability off (control, allowed to lose): ${JSON.stringify(control)}`);
		expect(durable.promotions).toHaveLength(2);
		for (const promotion of durable.promotions) expect(promotion).toMatchObject({ revocationsAfter: 0, marked: 0 });
		expect(durable.invalidGrant).toBe(0);
		expect(durable.refreshes.revocations).toBe(0);
		expect(durable.refreshes.rotations).toBeGreaterThan(10);
		expect(durable.connectionsAlive).toBe(KEYS.length);
		expect(control.promotions).toHaveLength(2);
	}, 240_000);
});
