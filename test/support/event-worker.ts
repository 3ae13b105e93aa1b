// A worker in its own OS process with onConnectionEvent, driven by the test over IPC; every event it is told goes
// back to the test. KILL_ON_EVENT=1: SIGKILLs itself the moment its hook is called, right after its write landed.
// Its store: Redis (REDIS_PORT) or Postgres (POSTGRES_URL). Bundled by the test with esbuild.
import { Redis } from "ioredis";
import pg from "pg";
import { Atlassian, TokenManager, type TokenStore } from "../../src/index.js";
import { PostgresTokenStore } from "../../src/postgres/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";

const { REDIS_PORT, POSTGRES_URL, TOKEN_SERVER, PREFIX, KILL_ON_EVENT, GRACE_MS } = process.env;

function connect(): { store: TokenStore; close(): Promise<unknown> } {
	if (POSTGRES_URL) {
		const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 8 });
		pool.on("error", () => {});
		return { store: new PostgresTokenStore({ client: pool, table: PREFIX }), close: () => pool.end() };
	}
	const client = new Redis({ host: "127.0.0.1", port: Number(REDIS_PORT) });
	return { store: new RedisTokenStore({ client, prefix: PREFIX }), close: () => client.quit() };
}

const connection = connect();
const atlassian = new Atlassian("client-id", "client-secret", "http://localhost:3000/callback", {
	hosts: { authorizationServer: TOKEN_SERVER as string, apiGateway: TOKEN_SERVER as string },
});
const manager = new TokenManager(atlassian, {
	store: connection.store,
	leaseTtlMs: 5_000,
	leaseWaitMs: 60_000,
	connectionEventGraceMs: Number(GRACE_MS ?? 30_000),
	onConnectionEvent: (event) => {
		if (KILL_ON_EVENT === "1") process.kill(process.pid, "SIGKILL");
		process.send?.({ event, pid: process.pid });
	},
});

type Command = { id: number; cmd: "getAll"; keys: string[] } | { id: number; cmd: "drain" } | { id: number; cmd: "quit" };

process.on("message", async (message: Command) => {
	if (message.cmd === "getAll") {
		const results = await Promise.allSettled(message.keys.map((key) => manager.getAccessToken(key)));
		process.send?.({ id: message.id, failed: results.filter((result) => result.status === "rejected").length });
	} else if (message.cmd === "drain") {
		process.send?.({ id: message.id, told: await manager.drainConnectionEvents() });
	} else {
		await connection.close();
		process.send?.({ id: message.id });
		process.exit(0);
	}
});
process.send?.({ ready: true });
