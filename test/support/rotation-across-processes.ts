import { type ChildProcess, fork } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OAuth2Tokens, TokenManager, type TokenStore } from "../../src/index.js";
import { bundleWorker } from "./bundle-worker.js";
import { RotatingTokenEndpoint } from "./rotating-token-endpoint.js";

export interface RotationBackend {
	/** Environment for the worker (test/support/refresh-worker.ts) to reach the store: REDIS_PORT or POSTGRES_URL. */
	workerEnv(): Record<string, string>;
	/** The test's own store under `prefix` (a Redis key prefix or a Postgres table), emptied of `conn`. */
	store(prefix: string): Promise<TokenStore>;
	/** Whether someone holds the refresh lease of `conn` under `prefix` right now. */
	isLeaseHeld(prefix: string): Promise<boolean>;
}

/**
 * The same proof for every shared store: real worker processes over a real store and a rotating token endpoint
 * on loopback. 4 processes × 250 concurrent calls × 10 forced expiries make exactly 10 token requests; a worker
 * SIGKILLed while holding the lease is recovered from after the lease expires, without revocation; and a
 * control run without the lease collides (so the test can fail).
 */
export function describeRotationAcrossProcesses(backend: () => RotationBackend): void {
	describe("rotation across real processes", () => {
		const LOCK_TTL_MS = 2_000;
		let tokenServer: Server;
		let origin: string;
		let endpoint: RotatingTokenEndpoint;
		/** When set, the next refresh request is held unanswered (and unprocessed) until its client goes away. */
		let holdNextRequest = false;
		let heldRequests = 0;
		/** How long the endpoint takes to answer: a little latency widens the window in which uncoordinated workers collide. */
		let latencyMs = 15;
		let workerFile: string;

		beforeAll(async () => {
			tokenServer = createServer((request, response) => {
				let body = "";
				request.on("data", (chunk) => {
					body += chunk;
				});
				request.on("end", () => {
					if (holdNextRequest) {
						holdNextRequest = false;
						heldRequests++;
						return; // never processed: a worker killed now has spent nothing
					}
					setTimeout(() => {
						const { status, body: answer, contentType } = endpoint.handle(JSON.parse(body).refresh_token);
						response.writeHead(status, { "Content-Type": contentType }).end(answer);
					}, latencyMs);
				});
			});
			await new Promise<void>((resolve) => tokenServer.listen(0, "127.0.0.1", resolve));
			origin = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}`;
			workerFile = await bundleWorker(new URL("./refresh-worker.ts", import.meta.url));
		});

		afterAll(async () => {
			tokenServer?.closeAllConnections();
			await new Promise((resolve) => tokenServer?.close(resolve));
		});

		interface Worker {
			process: ChildProcess;
			round(calls: number): Promise<{ tokens: string[]; errors: string[] }>;
		}

		async function startWorkers(count: number, prefix: string, naive = false): Promise<Worker[]> {
			return Promise.all(
				Array.from({ length: count }, async () => {
					const child = fork(workerFile, [], {
						env: {
							...process.env,
							...backend().workerEnv(),
							TOKEN_SERVER: origin,
							LOCK_TTL_MS: String(LOCK_TTL_MS),
							REFRESH_TIMEOUT_MS: String(LOCK_TTL_MS),
							NAIVE: naive ? "1" : "0",
							PREFIX: prefix,
						},
						stdio: ["ignore", "inherit", "inherit", "ipc"],
					});
					await new Promise((resolve) => child.once("message", resolve));
					return {
						process: child,
						round: (calls: number) =>
							new Promise<{ tokens: string[]; errors: string[] }>((resolve) => {
								child.once("message", (message) => resolve(message as { tokens: string[]; errors: string[] }));
								child.send({ calls });
							}),
					};
				}),
			);
		}

		function stopWorkers(workers: Worker[]) {
			for (const worker of workers) {
				if (worker.process.connected) worker.process.disconnect();
				worker.process.kill();
			}
		}

		async function signIn(prefix: string) {
			const store = await backend().store(prefix);
			const manager = new TokenManager({ refreshAccessToken: () => Promise.reject(new Error("unused")) }, { store });
			await manager.save("conn", new OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: 3600 }));
			return store;
		}

		/** Makes the stored access token due, as if an hour had passed. */
		async function forceExpiry(store: TokenStore) {
			const stored = await store.get("conn");
			if (stored)
				await store.compareAndSet("conn", stored.version, { ...stored, expiresAt: Date.now() - 1_000, version: stored.version + 1 });
		}

		it("4 processes × 250 concurrent calls over 10 forced expiries make exactly 10 token requests", async () => {
			endpoint = new RotatingTokenEndpoint("rt-0");
			const store = await signIn("multi");
			const workers = await startWorkers(4, "multi");
			try {
				let newest = "";
				for (let expiry = 1; expiry <= 10; expiry++) {
					await forceExpiry(store);
					const results = await Promise.all(workers.map((worker) => worker.round(250)));
					expect(results.flatMap((result) => result.errors)).toEqual([]);
					newest = `at-${expiry}`;
					// Every process holds the newest token, and nobody saw an older one after the expiry.
					for (const result of results) expect(result.tokens).toEqual([newest]);
				}
				expect(endpoint.requests).toBe(10);
				expect(endpoint.rotations).toBe(10);
				expect(endpoint.invalidGrants).toBe(0);
				const final = await store.get("conn");
				// Per expiry: the forced expiry, the sent mark, and the answer.
				expect(final).toMatchObject({ accessToken: newest, refreshToken: endpoint.current, version: 31 });
			} finally {
				stopWorkers(workers);
			}
		}, 120_000);

		it("a worker killed with SIGKILL while holding the lease: the lease expires and the others recover without revocation", async () => {
			endpoint = new RotatingTokenEndpoint("rt-0");
			const store = await signIn("kill");
			const [victim, ...survivors] = await startWorkers(4, "kill");
			if (!victim) throw new Error("no workers");
			try {
				await forceExpiry(store);
				holdNextRequest = true;
				const heldBefore = heldRequests;
				void victim.round(1);
				await expect.poll(() => heldRequests, { timeout: 10_000 }).toBe(heldBefore + 1);
				expect(await backend().isLeaseHeld("kill")).toBe(true);
				victim.process.kill("SIGKILL");

				const results = await Promise.all(survivors.map((worker) => worker.round(250)));
				expect(results.flatMap((result) => result.errors)).toEqual([]);
				for (const result of results) expect(result.tokens).toEqual(["at-1"]);
				expect(endpoint.invalidGrants).toBe(0);
				expect(endpoint.rotations).toBe(1);
				expect(await store.get("conn")).toMatchObject({ accessToken: "at-1", refreshToken: endpoint.current });
			} finally {
				stopWorkers([victim, ...survivors]);
			}
		}, 120_000);

		it("the same workers without the lease collide and spend a refresh token twice (the test can fail)", async () => {
			endpoint = new RotatingTokenEndpoint("rt-0");
			const store = await signIn("naive");
			const workers = await startWorkers(4, "naive", true);
			// Slow enough that every worker reads the record before the first answer is stored, on any store.
			latencyMs = 300;
			try {
				await forceExpiry(store);
				await Promise.all(workers.map((worker) => worker.round(250)));
				expect(endpoint.requests).toBeGreaterThan(1);
				expect(endpoint.invalidGrants).toBeGreaterThan(0);
			} finally {
				latencyMs = 15;
				stopWorkers(workers);
			}
		}, 120_000);
	});
}
