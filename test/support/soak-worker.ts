// A job-queue worker for the soak test, in its own OS process: calls getAccessToken on every connection,
// all at once, over and over, until told to stop; then reports what it saw. Bundled by the test with esbuild.
import { Redis } from "ioredis";
import { Atlassian, isReauthorizationRequired, TokenManager } from "../../src/index.js";
import { RedisTokenStore } from "../../src/redis/index.js";
import { DEFAULT_CLIENT } from "../../src/testing/index.js";

const { REDIS_PORT, SENTINELS, SENTINEL_NAME, DURABLE, TOKEN_SERVER, KEYS, PREFIX } = process.env;
// SENTINELS: ports of Redis Sentinels that know the primary as SENTINEL_NAME; otherwise one redis-server at REDIS_PORT.
const client = SENTINELS
	? new Redis({
			sentinels: SENTINELS.split(",").map((port) => ({ host: "127.0.0.1", port: Number(port) })),
			name: SENTINEL_NAME,
			maxRetriesPerRequest: 1,
		})
	: new Redis({ host: "127.0.0.1", port: Number(REDIS_PORT), maxRetriesPerRequest: 1 });
client.on("error", () => {}); // the soak kills Redis on purpose; commands still fail and are counted
const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, DEFAULT_CLIENT.redirectURIs[0] as string, {
	hosts: { authorizationServer: TOKEN_SERVER as string, apiGateway: TOKEN_SERVER as string },
});
const manager = new TokenManager(atlassian, {
	store: new RedisTokenStore({ client, prefix: PREFIX, durability: DURABLE === "1" ? { replicas: 1, timeoutMs: 500 } : undefined }),
	refreshWindowSeconds: 1,
	leaseTtlMs: 1_000,
	leaseWaitMs: 4_000,
	storeTimeoutMs: 2_000,
});
const keys = (KEYS ?? "").split(",");
const report = { calls: 0, ok: 0, invalidGrant: 0, errors: {} as Record<string, number> };
let running = true;

process.on("message", (message) => {
	if (message === "stop") running = false;
});

async function call(key: string) {
	report.calls++;
	try {
		await manager.getAccessToken(key);
		report.ok++;
	} catch (error) {
		if (isReauthorizationRequired(error)) report.invalidGrant++;
		const name = error instanceof Error ? error.name : "unknown";
		report.errors[name] = (report.errors[name] ?? 0) + 1;
	}
}

process.send?.({ ready: true });
while (running) {
	await Promise.all(keys.map(call));
	await new Promise((resolve) => setTimeout(resolve, 20));
}
process.send?.({ report });
process.disconnect?.();
await client.quit().catch(() => client.disconnect());
process.exit(0);
