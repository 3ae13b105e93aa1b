import { type ChildProcess, fork } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Atlassian, OAuth2Tokens, TokenManager, type TokenStore } from "../../src/index.js";
import { PostgresTokenStore } from "../../src/postgres/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";
import { bundleWorker } from "../support/bundle-worker.js";
import { createPool, endPool, type RunningPostgres, startPostgres } from "../support/postgres-server.js";
import { hasRedisServer, type RedisServer, startRedisServer } from "../support/redis-server.js";

// The red team's finding: process A's event loop stalled 2.5 s right after its refresh request went to fetch(),
// with a 1 s lease. B took the lease and sent the same refresh token again; then A's late request reached the
// token server and superseded B's answer, so the stored refresh token was dead. Never two sends in flight.

const LOCK_TTL_MS = 1_000;
/** Each send is given up after 1 s: the deadline the sent mark records, which B waits out (plus 5 s). */
const REFRESH_TIMEOUT_MS = 1_000;
const STALL_MS = 2_500;

/**
 * A token server where the previous refresh token may be exchanged again (a reuse window), and each exchange
 * supersedes every answer before it: only the refresh token issued last works. Records when each request arrived.
 */
class SupersedingTokenServer {
	current = "rt-0";
	previous: string | null = null;
	counter = 0;
	invalidGrants = 0;
	readonly arrivals: { refreshToken: string; at: number }[] = [];

	handle(refreshToken: string): { status: number; body: Record<string, unknown> } {
		this.arrivals.push({ refreshToken, at: Date.now() });
		if (refreshToken !== this.current && refreshToken !== this.previous) {
			this.invalidGrants++;
			return { status: 403, body: { error: "invalid_grant", error_description: "Unknown or invalid refresh token." } };
		}
		if (refreshToken === this.current) this.previous = this.current;
		this.counter++;
		this.current = `rt-${this.counter}`;
		return {
			status: 200,
			body: {
				access_token: `at-${this.counter}`,
				refresh_token: this.current,
				expires_in: 3600,
				token_type: "Bearer",
				scope: "offline_access",
			},
		};
	}
}

interface Backend {
	env(): Record<string, string>;
	store(): TokenStore;
	close?(): Promise<void>;
}

function describeStalledHolder(name: string, skip: boolean, setUp: () => Promise<Backend>, tearDown: () => Promise<void>) {
	describe.skipIf(skip)(`a refresh holder whose event loop stalls after fetch(), on ${name}`, () => {
		let server: Server;
		let origin: string;
		let tokens: SupersedingTokenServer;
		let workerFile: string;
		let backend: Backend;

		beforeAll(async () => {
			backend = await setUp();
			server = createServer((request, response) => {
				let body = "";
				request.on("data", (chunk) => {
					body += chunk;
				});
				request.on("end", () => {
					const { status, body: answer } = tokens.handle(JSON.parse(body).refresh_token);
					response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(answer));
				});
			});
			await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
			origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
			workerFile = await bundleWorker(new URL("../support/stalling-refresh-worker.ts", import.meta.url));
		}, 60_000);

		afterAll(async () => {
			server?.closeAllConnections();
			await new Promise((resolve) => server?.close(resolve));
			await tearDown();
		});

		it("the other process does not resend until the stalled send's deadline has passed: the grant survives", async () => {
			tokens = new SupersedingTokenServer();
			const store = backend.store();
			const atlassian = new Atlassian("client-id", "client-secret", "http://localhost:3000/callback", {
				hosts: { authorizationServer: origin, apiGateway: origin },
			});
			const manager = new TokenManager(atlassian, { store, leaseTtlMs: LOCK_TTL_MS, refreshTimeoutMs: REFRESH_TIMEOUT_MS });
			await store.delete("conn").catch(() => {});
			await manager.save("conn", new OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: 3600 }));

			const child: ChildProcess = fork(workerFile, [], {
				env: {
					...process.env,
					...backend.env(),
					TOKEN_SERVER: origin,
					LOCK_TTL_MS: String(LOCK_TTL_MS),
					REFRESH_TIMEOUT_MS: String(REFRESH_TIMEOUT_MS),
					STALL_MS: String(STALL_MS),
				},
				stdio: ["ignore", "inherit", "inherit", "ipc"],
			});
			try {
				await new Promise((resolve) => child.once("message", resolve));
				const outcomeA = new Promise<{ ok: boolean; error?: string }>((resolve) => child.once("message", resolve));
				const startedAt = Date.now();
				child.send({ refresh: true });
				// A's lease lapses while it is stalled; then B needs a token.
				await new Promise((resolve) => setTimeout(resolve, LOCK_TTL_MS + 300));
				const outcomeB = await manager.refresh("conn").then(
					(set) => ({ ok: true, refreshToken: set.refreshToken }),
					(error: Error) => ({ ok: false, error: `${error.name}: ${error.message}` }),
				);
				await outcomeA;
				expect(outcomeB.ok).toBe(true);
				// The stored refresh token is the one issued last: the grant survives.
				const stored = await store.get("conn");
				expect(stored?.refreshToken).toBe(tokens.current);
				const again = await manager.refresh("conn");
				expect(again.refreshToken).toBe(tokens.current);
				expect(tokens.invalidGrants).toBe(0);
				// No send of rt-0 reached the server while A's may still have been on its way: A's own either left
				// late, when its stall ended, or was given up at its deadline; B's waited out that deadline.
				const sendsOfFirst = tokens.arrivals.filter((arrival) => arrival.refreshToken === "rt-0");
				console.log(
					`stalled holder on ${name}: sends of rt-0 arrived at ${sendsOfFirst.map((arrival) => `+${arrival.at - startedAt} ms`).join(", ")}; ` +
						`invalid_grant ${tokens.invalidGrants}`,
				);
				for (const arrival of sendsOfFirst) expect(arrival.at).toBeGreaterThanOrEqual(startedAt + STALL_MS - 100);
			} finally {
				child.disconnect();
				await new Promise((resolve) => child.once("exit", resolve));
			}
		}, 60_000);
	});
}

let redis: RedisServer | undefined;
let redisClient: Redis | undefined;
describeStalledHolder(
	"a real redis-server",
	!hasRedisServer(),
	async () => {
		redis = await startRedisServer();
		redisClient = redis.client();
		const client = redisClient;
		const port = redis.port;
		return {
			env: () => ({ REDIS_PORT: String(port), PREFIX: "stalled:" }),
			store: () => new RedisTokenStore({ client, prefix: "stalled:" }),
		};
	},
	async () => {
		redisClient?.disconnect();
		await redis?.stop();
	},
);

let postgres: RunningPostgres | undefined;
let pool: pg.Pool | undefined;
describeStalledHolder(
	"embedded PostgreSQL 18",
	false,
	async () => {
		postgres = await startPostgres();
		pool = createPool(postgres.url, { max: 4 });
		const client = pool;
		await new PostgresTokenStore({ client, table: "stalled" }).ensureSchema();
		const url = postgres.url;
		return { env: () => ({ POSTGRES_URL: url, PREFIX: "stalled" }), store: () => new PostgresTokenStore({ client, table: "stalled" }) };
	},
	async () => {
		if (pool) await endPool(pool);
		await postgres?.stop();
	},
);
