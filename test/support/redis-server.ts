import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis, type RedisOptions } from "ioredis";
import { afterAll, beforeAll } from "vitest";

export interface RedisServer {
	port: number;
	client(options?: RedisOptions): Redis;
	/** SIGKILL, as a crash or an OOM kill would: no shutdown, no final save. */
	kill(): Promise<void>;
	/** Starts it again on the same port and data directory (with `durable`, the AOF brings the data back). */
	restart(): Promise<void>;
	stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
		});
	});
}

/** What every test redis-server gets: a loopback port, its own data directory, no RDB snapshots, DEBUG enabled. */
export function redisArguments(port: number, dir: string): string[] {
	return ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--enable-debug-command", "yes"];
}

/** Whether `redis-server` can run here: suites that need it skip with one loud line when it cannot. */
export function hasRedisServer(): boolean {
	return spawnSync("redis-server", ["--version"]).status === 0;
}

/**
 * A real redis-server on 127.0.0.1, owned by the calling test file. `durable`: an append-only file fsynced
 * on every write, so a SIGKILL loses nothing acknowledged. DEBUG is enabled so tests can stall the server.
 */
export async function startRedisServer(options: { durable?: boolean } = {}): Promise<RedisServer> {
	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), "atlassian-3lo-redis-"));
	const args = [
		...redisArguments(port, dir),
		...(options.durable ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
	];
	let child: ChildProcess = await spawnRedis(args);
	const clients: Redis[] = [];
	const exited = () =>
		new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once("exit", resolve)));
	return {
		port,
		client(clientOptions = {}) {
			const client = new Redis({ host: "127.0.0.1", port, lazyConnect: false, maxRetriesPerRequest: 1, ...clientOptions });
			// Connection errors while a test has the server down are expected; commands still fail as they should.
			client.on("error", () => {});
			clients.push(client);
			return client;
		},
		async kill() {
			child.kill("SIGKILL");
			await exited();
		},
		async restart() {
			child = await spawnRedis(args);
		},
		async stop() {
			// A client a test already disconnected answers QUIT never: it is skipped, and a QUIT that hangs anyway
			// (a subscriber reconnecting) is bounded, then the connection is dropped.
			await Promise.all(
				clients.map(async (client) => {
					if (client.status !== "end") {
						await Promise.race([client.quit().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 1_000))]);
					}
					client.disconnect();
				}),
			);
			child.kill("SIGTERM");
			await exited();
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

/** Starts `redis-server` with `args` and resolves once it prints `ready` (a Sentinel prints something else). */
export async function spawnRedis(args: string[], ready = "Ready to accept connections"): Promise<ChildProcess> {
	const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
	let output = "";
	child.stdout?.on("data", (chunk) => {
		output += chunk;
	});
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
		child.once("error", (error) => {
			clearTimeout(timer);
			reject(new Error(`could not run redis-server (install it: apt-get install -y redis-server): ${error.message}`));
		});
		const poll = setInterval(() => {
			if (output.includes(ready)) {
				clearInterval(poll);
				clearTimeout(timer);
				resolve();
			}
		}, 10);
	});
	return child;
}

/** Starts one redis-server for the tests of a file (before them all) and stops it after them; `started` gets it. */
export function useRedisServer(started: (server: RedisServer) => void): void {
	let server: RedisServer | undefined;
	beforeAll(async () => {
		server = await startRedisServer();
		started(server);
	});
	afterAll(async () => {
		await server?.stop();
	});
}
