import { type ChildProcess, fork } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Redis } from "ioredis";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConnectionEvent, ConnectionEventType, StoredTokenSet, TokenStore } from "../../src/index.js";
import { PostgresTokenStore } from "../../src/postgres/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";
import { bundleWorker } from "../support/bundle-worker.js";
import { usePostgresServer } from "../support/postgres-server.js";
import { hasRedisServer, type RedisServer, useRedisServer } from "../support/redis-server.js";

// Connection events across real processes on a real store: every change of status is told exactly once for the
// whole fleet in fair weather, and at least once when the process that wrote it is SIGKILLed before telling it.

/** A strict rotating token endpoint per connection (`rt.<key>.<n>`), with a fault per key: 429s, or revoked. */
class FleetTokenServer {
	readonly current = new Map<string, number>();
	readonly faults = new Map<string, "rate_limited" | "revoked">();
	invalidGrants = 0;
	#server: Server | undefined;
	url = "";

	async start(): Promise<void> {
		const server = createServer((request, response) => {
			let body = "";
			request.on("data", (chunk) => {
				body += chunk;
			});
			request.on("end", () => {
				const token = String(JSON.parse(body).refresh_token);
				const [, key = "", n = ""] = token.split(".");
				const answer = (status: number, json: unknown) =>
					setTimeout(() => response.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(json)), 3);
				const fault = this.faults.get(key);
				if (fault === "rate_limited") return answer(429, { error: "rate_limited", error_description: "Too many requests" });
				if (fault === "revoked" || Number(n) !== this.current.get(key)) {
					if (fault !== "revoked") this.invalidGrants++;
					return answer(403, { error: "invalid_grant", error_description: "Unknown or invalid refresh token." });
				}
				const next = Number(n) + 1;
				this.current.set(key, next);
				answer(200, {
					access_token: `at.${key}.${next}`,
					refresh_token: `rt.${key}.${next}`,
					expires_in: 3600,
					scope: "read:me offline_access",
				});
			});
		});
		this.#server = server;
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	}

	async stop(): Promise<void> {
		this.#server?.closeAllConnections();
		await new Promise((resolve) => this.#server?.close(resolve));
	}
}

interface Backend {
	env: Record<string, string>;
	store(prefix: string): Promise<TokenStore>;
}

interface Worker {
	child: ChildProcess;
	ask(message: Record<string, unknown>): Promise<Record<string, unknown>>;
}

const key = (index: number) => `tenant-${String(index).padStart(3, "0")}`;

function describeEventsFleet(name: string, backend: () => Backend) {
	describe(`connection events across processes on ${name}`, () => {
		const server = new FleetTokenServer();
		let workerFile: string;
		const told: { event: ConnectionEvent; pid: number }[] = [];
		const running: ChildProcess[] = [];
		let run = 0;

		beforeAll(async () => {
			await server.start();
			workerFile = await bundleWorker(new URL("../support/event-worker.ts", import.meta.url));
		});
		afterAll(async () => {
			for (const child of running) child.kill("SIGKILL");
			await server.stop();
		});

		async function startWorker(prefix: string, env: Record<string, string> = {}): Promise<Worker> {
			const child = fork(workerFile, [], {
				env: { ...process.env, ...backend().env, TOKEN_SERVER: server.url, PREFIX: prefix, ...env },
				stdio: ["ignore", "ignore", "inherit", "ipc"],
			});
			running.push(child);
			let next = 0;
			const waiting = new Map<number, (reply: Record<string, unknown>) => void>();
			const ready = new Promise<void>((resolve) => {
				child.on("message", (message: Record<string, unknown>) => {
					if (message.ready) resolve();
					if (message.event) told.push(message as { event: ConnectionEvent; pid: number });
					if (typeof message.id === "number") waiting.get(message.id)?.(message);
				});
			});
			await ready;
			return {
				child,
				ask: (message) =>
					new Promise((resolve) => {
						const id = next++;
						waiting.set(id, resolve);
						child.send({ ...message, id });
					}),
			};
		}

		/** `count` connections whose access token has expired, as a sign-in long ago left them (no event). */
		async function seed(store: TokenStore, count: number, first = 0): Promise<string[]> {
			const keys = Array.from({ length: count }, (_, index) => key(first + index));
			for (const each of keys) {
				server.current.set(each, 0);
				const tokens: StoredTokenSet = {
					accessToken: `at.${each}.0`,
					refreshToken: `rt.${each}.0`,
					expiresAt: Date.now() - 1_000,
					scopes: ["read:me", "offline_access"],
					version: 1,
					consentedAt: Date.now() - 86_400_000,
					issuedAt: Date.now() - 86_400_000,
				};
				await store.compareAndSet(each, 0, tokens);
			}
			return keys;
		}

		it("3 processes × 200 connections, with 429s and revocations: each change told exactly once, by id, fleet-wide", async () => {
			const prefix = `events_${run++}`;
			const store = await backend().store(prefix);
			const keys = await seed(store, 200);
			const transient = keys.slice(0, 60);
			const revoked = keys.slice(60, 80);
			for (const each of transient) server.faults.set(each, "rate_limited");
			for (const each of revoked) server.faults.set(each, "revoked");
			told.length = 0;
			const workers = await Promise.all([1, 2, 3].map(() => startWorker(prefix)));
			// Every worker asks for every connection at once: each failure is seen by up to three processes.
			// Every caller of a failing connection gets an error, never the expired token a failed refresh left.
			const first = await Promise.all(workers.map((worker) => worker.ask({ cmd: "getAll", keys })));
			expect(first.map((reply) => reply.failed)).toEqual([80, 80, 80]);
			for (const each of transient) server.faults.delete(each);
			const second = await Promise.all(workers.map((worker) => worker.ask({ cmd: "getAll", keys })));
			expect(second.map((reply) => reply.failed)).toEqual([20, 20, 20]);
			// Told and cleared: no outbox is left on any record.
			const deadline = Date.now() + 10_000;
			while (Date.now() < deadline && ((await store.listPendingEvents?.({ limit: 1_000 })) ?? []).length > 0) {
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
			expect(await store.listPendingEvents?.({ limit: 1_000 })).toEqual([]);
			await Promise.all(workers.map((worker) => worker.ask({ cmd: "quit" })));

			const ids = told.map(({ event }) => event.id);
			expect(new Set(ids).size).toBe(ids.length); // no event told twice
			const byKey = (type: ConnectionEventType) =>
				told
					.filter(({ event }) => event.type === type)
					.map(({ event }) => event.key)
					.sort();
			expect(byKey("degraded")).toEqual(transient);
			expect(byKey("recovered")).toEqual(transient);
			expect(byKey("reauthorization_required")).toEqual(revoked);
			expect(byKey("refreshed")).toEqual(keys.slice(80));
			expect(told).toHaveLength(60 + 60 + 20 + 120);
			for (const { event } of told) expect(JSON.stringify(event)).not.toMatch(/(at|rt)\.tenant/);
			expect(server.invalidGrants).toBe(0);
		}, 120_000);

		it("the writer SIGKILLed right after its write, 20 times: every event is still told, by another process, with its id", async () => {
			const prefix = `events_${run++}`;
			const store = await backend().store(prefix);
			const keys = await seed(store, 20, 500);
			told.length = 0;
			const left: string[] = [];
			for (const [index, each] of keys.entries()) {
				server.faults.set(each, index % 2 === 0 ? "rate_limited" : "revoked");
				const doomed = await startWorker(prefix, { KILL_ON_EVENT: "1", GRACE_MS: "200" });
				const exited = new Promise((resolve) => doomed.child.once("exit", resolve));
				void doomed.ask({ cmd: "getAll", keys: [each] });
				expect(await exited).toBe(null); // killed by its signal, not exited
				const pending = (await store.get(each))?.pendingEvents ?? [];
				expect(pending).toHaveLength(1);
				left.push(pending[0]?.id as string);
			}
			expect(told).toEqual([]); // nobody told anything yet: every writer died first
			const survivor = await startWorker(prefix, { GRACE_MS: "200" });
			await new Promise((resolve) => setTimeout(resolve, 250));
			expect((await survivor.ask({ cmd: "drain" })).told).toBe(20);
			await survivor.ask({ cmd: "quit" });
			expect(told.map(({ event }) => event.id).sort()).toEqual([...left].sort());
			expect(told.map(({ event }) => event.type).sort()).toEqual([
				...Array(10).fill("degraded"),
				...Array(10).fill("reauthorization_required"),
			]);
			expect(await store.listPendingEvents?.({ limit: 1_000 })).toEqual([]);
		}, 120_000);
	});
}

describe.skipIf(!hasRedisServer())("on a real redis-server", () => {
	let redis: RedisServer;
	const clients: Redis[] = [];
	useRedisServer((server) => {
		redis = server;
	});
	afterAll(() => {
		for (const client of clients) client.disconnect();
	});
	describeEventsFleet("RedisTokenStore", () => ({
		env: { REDIS_PORT: String(redis.port) },
		store: async (prefix) => {
			const client = redis.client();
			clients.push(client);
			return new RedisTokenStore({ client, prefix, subscriber: false });
		},
	}));
});

describe("on PostgreSQL 18", () => {
	let pool: pg.Pool;
	let url = "";
	usePostgresServer(async (server, [first]) => {
		pool = first as pg.Pool;
		url = server.url;
	});
	describeEventsFleet("PostgresTokenStore", () => ({
		env: { POSTGRES_URL: url },
		store: async (table) => {
			const store = new PostgresTokenStore({ client: pool, table, listener: false });
			await store.ensureSchema();
			return store;
		},
	}));
});
