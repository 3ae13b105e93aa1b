// A job-queue worker in its own OS process, driven by the test over IPC. Bundled by the test with esbuild.
// Its store: Redis (REDIS_PORT, or CLUSTER_PORTS for a Redis Cluster's primaries) or Postgres (POSTGRES_URL).
import { Cluster, Redis } from "ioredis";
import pg from "pg";
import { Atlassian, TokenManager, type TokenStore } from "../../src/index.js";
import { PostgresTokenStore } from "../../src/postgres/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";

const { REDIS_PORT, CLUSTER_PORTS, POSTGRES_URL, TOKEN_SERVER, LOCK_TTL_MS, NAIVE, PREFIX, KEYS, CLIENT_ID, CLIENT_SECRET } = process.env;

function connect(): { store: TokenStore; close(): Promise<unknown> } {
	if (POSTGRES_URL) {
		const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
		pool.on("error", () => {});
		return { store: new PostgresTokenStore({ client: pool, table: PREFIX }), close: () => pool.end() };
	}
	const client = CLUSTER_PORTS
		? new Cluster(CLUSTER_PORTS.split(",").map((port) => ({ host: "127.0.0.1", port: Number(port) })))
		: new Redis({ host: "127.0.0.1", port: Number(REDIS_PORT) });
	return { store: new RedisTokenStore({ client, prefix: PREFIX }), close: () => client.quit() };
}

const connection = connect();
const real = connection.store;
// NAIVE=1 plays a worker without cross-process coordination (every lease succeeds, no fence, no sent marks seen),
// to show the test can fail.
const store: TokenStore =
	NAIVE === "1"
		? {
				get: async (k) => {
					const stored = await real.get(k);
					return stored === null ? null : { ...stored, refreshSentAt: undefined, refreshDeadline: undefined };
				},
				getVersion: (k) => real.getVersion(k),
				compareAndSet: async (k, _expected, v) => real.compareAndSet(k, await real.getVersion(k), v),
				delete: (k) => real.delete(k),
				acquireLease: async () => ({ renew: async () => true, release: async () => {} }),
			}
		: real;
const atlassian = new Atlassian(
	CLIENT_ID ?? "client-id",
	CLIENT_SECRET ?? "client-secret",
	"http://localhost:3000/login/atlassian/callback",
	{
		hosts: { authorizationServer: TOKEN_SERVER as string, apiGateway: TOKEN_SERVER as string },
	},
);
const manager = new TokenManager(atlassian, { store, lockTtlMs: Number(LOCK_TTL_MS), lockWaitMs: 30_000 });
const keys = (KEYS ?? "conn").split(",");

process.on("message", async (message: { calls: number }) => {
	// All calls at once, as a burst of jobs would make them, spread over the connections.
	const outcomes = await Promise.allSettled(
		Array.from({ length: message.calls }, (_, index) => {
			const key = keys[index % keys.length] as string;
			return manager.getAccessToken(key).then((token) => ({ key, token }));
		}),
	);
	const tokensByKey: Record<string, string[]> = {};
	for (const outcome of outcomes) {
		if (outcome.status === "fulfilled") {
			const seen = tokensByKey[outcome.value.key] ?? [];
			if (!seen.includes(outcome.value.token)) seen.push(outcome.value.token);
			tokensByKey[outcome.value.key] = seen;
		}
	}
	const errors = outcomes.flatMap((outcome) =>
		outcome.status === "rejected"
			? [outcome.reason instanceof Error ? `${outcome.reason.name}: ${outcome.reason.message}` : String(outcome.reason)]
			: [],
	);
	process.send?.({ tokens: [...new Set(Object.values(tokensByKey).flat())], tokensByKey, errors });
});
process.on("disconnect", () => {
	void connection.close().finally(() => process.exit(0));
});
process.send?.({ ready: true });
