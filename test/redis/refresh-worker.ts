// A separate OS process hammering one connection, as a job-queue worker would. Bundled by the test with esbuild.
import { Redis } from "ioredis";
import { Atlassian, OAuth2Tokens, TokenManager, type TokenStore } from "../../src/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";

const { REDIS_PORT, TOKEN_SERVER, ITERATIONS, NAIVE } = process.env;
const client = new Redis({ host: "127.0.0.1", port: Number(REDIS_PORT) });
const redisStore = new RedisTokenStore({ client, prefix: "multi:" });
// NAIVE=1 mimics a worker without coordination (every lock succeeds), to show the test can fail.
const store: TokenStore =
	NAIVE === "1"
		? {
				get: (k) => redisStore.get(k),
				set: (k, v) => redisStore.set(k, v),
				delete: (k) => redisStore.delete(k),
				lock: async () => ({ release: async () => {} }),
			}
		: redisStore;
const atlassian = new Atlassian("client-id", "client-secret", "http://localhost/callback", {
	hosts: { authorizationServer: TOKEN_SERVER as string, apiGateway: TOKEN_SERVER as string },
});
const manager = new TokenManager(atlassian, { store, lockTtlMs: 5_000, lockWaitMs: 30_000 });

const errors: string[] = [];
let refreshes = 0;
for (let i = 0; i < Number(ITERATIONS); i++) {
	try {
		if (i % 2 === 0) {
			await manager.refresh("conn");
			refreshes++;
		} else {
			await manager.getAccessToken("conn");
		}
	} catch (error) {
		errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
		if (NAIVE === "1") {
			// Recover like a naive worker would, so the run goes on: re-read and retry next round.
			await manager.save("conn", new OAuth2Tokens({ access_token: "x", refresh_token: "dead", expires_in: 0 })).catch(() => {});
			break;
		}
	}
}
process.stdout.write(JSON.stringify({ errors, refreshes }));
await client.quit();
