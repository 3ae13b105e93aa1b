// The soak of issue #11: 3 worker processes keep 4 connections with 3-second access tokens alive through
// Redis, each behind its own TCP proxy, while random faults from the fault suite hit them: Redis stalls,
// SIGKILL and restart, partitions of one worker, answers lost after rotation, slow answers and 503s. Then:
// 0 connections lost, 0 invalid_grant, 0 revocations. (An absurd expires_in is in the fault suite, not here:
// capped at 24 h, it would stop that connection's refreshes for the rest of the soak.)
import type { ChildProcess } from "node:child_process";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Atlassian, TokenManager } from "../../src/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";
import { DEFAULT_CLIENT } from "../../src/testing/index.js";
import { hasRedisServer, type RedisServer, startRedisServer } from "../support/redis-server.js";
import { startSoakWorkers, stopSoakWorkers } from "../support/soak-workers.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { startTokenServer, type TokenServer } from "../support/token-server.js";

// Skipped, with one loud line from the global setup, where redis-server is not installed; CI requires it.
describe.skipIf(!hasRedisServer())("soak on a real redis-server", () => {
	const WORKERS = 3;
	const KEYS = ["c0", "c1", "c2", "c3"];
	const FAULTS = Number(process.env.SOAK_FAULTS ?? 60);
	const PREFIX = "soak:";
	const REDIRECT_URI = DEFAULT_CLIENT.redirectURIs[0] as string;

	let redis: RedisServer;
	let admin: Redis;
	let server: TokenServer;
	let proxies: TcpProxy[] = [];
	let workers: ChildProcess[] = [];

	beforeAll(async () => {
		redis = await startRedisServer({ durable: true });
		admin = redis.client({ maxRetriesPerRequest: 50 });
		server = await startTokenServer({ accessTokenLifetimeSeconds: 3 });
	});

	afterAll(async () => {
		for (const worker of workers) worker.kill("SIGKILL");
		await Promise.all(proxies.map((proxy) => proxy.close()));
		await server?.close();
		await redis?.stop();
	});

	const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
	const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

	it(`soak: ${WORKERS} processes, ${FAULTS} random faults, 3 s tokens → no connection lost, no invalid_grant`, async () => {
		const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, REDIRECT_URI, { hosts: server.hosts });
		const signedIn = new TokenManager(atlassian, { store: new RedisTokenStore({ client: admin, prefix: PREFIX }) });
		for (const key of KEYS) {
			const code = server.emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ["read:me", "offline_access"] });
			await signedIn.save(key, await atlassian.validateAuthorizationCode(code));
		}

		proxies = await Promise.all(Array.from({ length: WORKERS }, () => startTcpProxy(redis.port)));
		workers = await startSoakWorkers(
			proxies.map((proxy) => ({ REDIS_PORT: String(proxy.port), TOKEN_SERVER: server.url, KEYS: KEYS.join(","), PREFIX })),
		);

		const kinds = ["stall", "kill-restart", "partition", "lost-after-rotation", "slow", "unavailable"] as const;
		const injected: Record<string, number> = {};
		const started = Date.now();
		for (let fault = 0; fault < FAULTS; fault++) {
			const kind = pick(kinds);
			injected[kind] = (injected[kind] ?? 0) + 1;
			if (kind === "stall") {
				await admin.call("DEBUG", "SLEEP", "0.3");
			} else if (kind === "kill-restart") {
				await redis.kill();
				await sleep(500 + Math.random() * 1_000);
				await redis.restart();
			} else if (kind === "partition") {
				const proxy = pick(proxies);
				proxy.partition();
				await sleep(600 + Math.random() * 900);
				proxy.heal();
			} else if (kind === "lost-after-rotation") {
				server.faults.push({ kind });
			} else if (kind === "slow") {
				server.faults.push({ kind, ms: 1_200 });
			} else {
				server.faults.push({ kind });
			}
			await sleep(300 + Math.random() * 400);
		}
		// Quiet: the endpoint faults still queued are taken, and every pending write lands.
		while (server.faults.length > 0 && Date.now() - started < 120_000) await sleep(100);
		await sleep(5_000);
		const { reports, errors } = await stopSoakWorkers(workers);

		// Every connection is alive: what Redis holds is what Atlassian honours, and one more refresh works.
		const store = new RedisTokenStore({ client: admin, prefix: PREFIX });
		let alive = 0;
		for (const key of KEYS) {
			const stored = await store.get(key);
			const current = server.emulator.isRefreshTokenCurrent(stored?.refreshToken ?? "");
			const refreshed = await signedIn.refresh(key).catch((error: unknown) => error);
			if (current && !stored?.reauthorizationRequired && !(refreshed instanceof Error)) alive++;
		}
		const summary = {
			seconds: Math.round((Date.now() - started) / 1000),
			faults: injected,
			calls: reports.reduce((sum, report) => sum + report.calls, 0),
			ok: reports.reduce((sum, report) => sum + report.ok, 0),
			transientErrors: errors,
			refreshes: server.emulator.refreshStats,
			invalidGrant: server.invalidGrants + reports.reduce((sum, report) => sum + report.invalidGrant, 0),
			connectionsAlive: `${alive}/${KEYS.length}`,
		};
		console.log(`soak: ${JSON.stringify(summary)}`);
		expect(Object.values(injected).reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(50);
		expect(server.emulator.refreshStats.rotations).toBeGreaterThan(20);
		expect(summary.invalidGrant).toBe(0);
		expect(server.emulator.refreshStats.revocations).toBe(0);
		expect(alive).toBe(KEYS.length);
	}, 180_000);
});
