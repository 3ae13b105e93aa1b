// A job-queue worker in its own OS process, driven by the test over IPC. Bundled by the test with esbuild.
// Its store: Redis (REDIS_PORT, or CLUSTER_PORTS for a Redis Cluster's primaries) or Postgres (POSTGRES_URL).
import { Cluster, Redis } from "ioredis";
import pg from "pg";
import { Atlassian, TokenManager, type TokenStore } from "../../src/index.js";
import { PostgresTokenStore } from "../../src/postgres/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";

const {
	REDIS_PORT,
	CLUSTER_PORTS,
	POSTGRES_URL,
	TOKEN_SERVER,
	LOCK_TTL_MS,
	REFRESH_TIMEOUT_MS,
	NAIVE,
	PREFIX,
	KEYS,
	CLIENT_ID,
	CLIENT_SECRET,
} = process.env;

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
const store = connection.store;
const atlassian = new Atlassian(
	CLIENT_ID ?? "client-id",
	CLIENT_SECRET ?? "client-secret",
	"http://localhost:3000/login/atlassian/callback",
	{
		hosts: { authorizationServer: TOKEN_SERVER as string, apiGateway: TOKEN_SERVER as string },
	},
);
const manager = new TokenManager(atlassian, {
	store,
	leaseTtlMs: Number(LOCK_TTL_MS),
	leaseWaitMs: 30_000,
	// A killed holder's send is given up after this: the others wait it out (plus 5 s) before sending again.
	refreshTimeoutMs: Number(REFRESH_TIMEOUT_MS ?? 10_000),
});

/**
 * NAIVE=1 plays a worker without cross-process coordination, as an app without this library's protocol would be
 * written: one refresh per connection in this process, from the refresh token it read, written back unfenced.
 * It shows the test can fail.
 */
const naiveRefreshes = new Map<string, Promise<string>>();
function naiveAccessToken(key: string): Promise<string> {
	let pending = naiveRefreshes.get(key);
	if (pending === undefined) {
		pending = (async () => {
			const stored = await store.get(key);
			if (stored === null || stored.refreshToken === null) throw new Error(`nothing stored for ${key}`);
			if (stored.expiresAt > Date.now() + 300_000) return stored.accessToken;
			const tokens = await atlassian.refreshAccessToken(stored.refreshToken);
			const version = await store.getVersion(key);
			await store.compareAndSet(key, version, {
				...stored,
				accessToken: tokens.accessToken(),
				refreshToken: tokens.refreshToken(),
				expiresAt: Date.now() + 3600_000,
				version: version + 1,
			});
			return tokens.accessToken();
		})().finally(() => naiveRefreshes.delete(key));
		naiveRefreshes.set(key, pending);
	}
	return pending;
}
const accessToken = (key: string) => (NAIVE === "1" ? naiveAccessToken(key) : manager.getAccessToken(key));
const keys = (KEYS ?? "conn").split(",");

process.on("message", async (message: { calls: number }) => {
	// All calls at once, as a burst of jobs would make them, spread over the connections.
	const outcomes = await Promise.allSettled(
		Array.from({ length: message.calls }, (_, index) => {
			const key = keys[index % keys.length] as string;
			return accessToken(key).then((token) => ({ key, token }));
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
