// A process whose event loop stalls right after it hands its refresh request to fetch(): the request leaves
// late, after its lease lapsed. Bundled by the test with esbuild, driven over IPC.
import { Redis } from "ioredis";
import pg from "pg";
import { Atlassian, TokenManager, type TokenStore } from "../../src/index.js";
import { PostgresTokenStore } from "../../src/postgres/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";

const { REDIS_PORT, POSTGRES_URL, TOKEN_SERVER, LOCK_TTL_MS, REFRESH_TIMEOUT_MS, STALL_MS, PREFIX } = process.env;

function connect(): { store: TokenStore; close(): Promise<unknown> } {
	if (POSTGRES_URL) {
		const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
		pool.on("error", () => {});
		return { store: new PostgresTokenStore({ client: pool, table: PREFIX }), close: () => pool.end() };
	}
	const client = new Redis({ host: "127.0.0.1", port: Number(REDIS_PORT) });
	return { store: new RedisTokenStore({ client, prefix: PREFIX }), close: () => client.quit() };
}

const connection = connect();
let stalls = 1;
const atlassian = new Atlassian("client-id", "client-secret", "http://localhost:3000/callback", {
	hosts: { authorizationServer: TOKEN_SERVER as string, apiGateway: TOKEN_SERVER as string },
	fetch: (input, init) => {
		const sending = globalThis.fetch(input, init);
		if (stalls-- > 0) {
			// A synchronous stall (a long GC, a CPU-bound job): fetch has not written the request yet.
			const until = Date.now() + Number(STALL_MS);
			while (Date.now() < until) {}
		}
		return sending;
	},
});
const manager = new TokenManager(atlassian, {
	store: connection.store,
	leaseTtlMs: Number(LOCK_TTL_MS),
	refreshTimeoutMs: Number(REFRESH_TIMEOUT_MS),
});

process.on("message", async () => {
	try {
		const refreshed = await manager.refresh("conn");
		process.send?.({ ok: true, refreshToken: refreshed.refreshToken });
	} catch (error) {
		process.send?.({ ok: false, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
	}
});
process.on("disconnect", () => {
	void connection.close().finally(() => process.exit(0));
});
process.send?.({ ready: true });
