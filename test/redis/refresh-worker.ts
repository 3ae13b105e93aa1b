// A job-queue worker in its own OS process, driven by the test over IPC. Bundled by the test with esbuild.
import { Redis } from "ioredis";
import { Atlassian, TokenManager, type TokenStore } from "../../src/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";

const { REDIS_PORT, TOKEN_SERVER, LOCK_TTL_MS, NAIVE, PREFIX } = process.env;
const client = new Redis({ host: "127.0.0.1", port: Number(REDIS_PORT) });
const redisStore = new RedisTokenStore({ client, prefix: PREFIX });
// NAIVE=1 plays a worker without cross-process coordination (every lock succeeds), to show the test can fail.
const store: TokenStore =
	NAIVE === "1"
		? {
				get: (k) => redisStore.get(k),
				getVersion: (k) => redisStore.getVersion(k),
				// Without the fence too: a naive worker overwrites whatever is there.
				compareAndSet: async (k, _expected, v) => redisStore.compareAndSet(k, await redisStore.getVersion(k), v),
				delete: (k) => redisStore.delete(k),
				acquireLease: async () => ({ renew: async () => true, release: async () => {} }),
			}
		: redisStore;
const atlassian = new Atlassian("client-id", "client-secret", "http://localhost/callback", {
	hosts: { authorizationServer: TOKEN_SERVER as string, apiGateway: TOKEN_SERVER as string },
});
const manager = new TokenManager(atlassian, { store, lockTtlMs: Number(LOCK_TTL_MS), lockWaitMs: 30_000 });

process.on("message", async (message: { calls: number }) => {
	// All calls at once, as a burst of jobs would make them.
	const outcomes = await Promise.allSettled(Array.from({ length: message.calls }, () => manager.getAccessToken("conn")));
	const tokens = [...new Set(outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : [])))];
	const errors = outcomes.flatMap((outcome) =>
		outcome.status === "rejected"
			? [outcome.reason instanceof Error ? `${outcome.reason.name}: ${outcome.reason.message}` : String(outcome.reason)]
			: [],
	);
	process.send?.({ tokens, errors });
});
process.on("disconnect", () => {
	void client.quit().finally(() => process.exit(0));
});
process.send?.({ ready: true });
