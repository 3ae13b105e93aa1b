// One of the "8 workers, one budget" bench's processes: CALLERS concurrent loops calling the emulator's gateway
// until DEADLINE, with a RateLimitBudget on a shared Redis (BUDGET=1) or with per-process Retry-After only.
import { Redis } from "ioredis";
import { Atlassian, createAtlassianFetch, RateLimitBudget } from "../src/index.js";
import { RedisRateLimitStore } from "../src/redis/index.js";

const { GATEWAY, ACCESS_TOKEN, SITE, REDIS_PORT, BUDGET, PER_SECOND, CALLERS, DEADLINE, PREFIX } = process.env;
const atlassian = new Atlassian("emulator-client-id", "emulator-client-secret", "http://localhost:3000/login/atlassian/callback", {
	hosts: { authorizationServer: GATEWAY as string, apiGateway: GATEWAY as string },
});
const client = BUDGET === "1" ? new Redis({ host: "127.0.0.1", port: Number(REDIS_PORT) }) : undefined;
const store = client === undefined ? undefined : new RedisRateLimitStore({ client, prefix: PREFIX });
const budget =
	store === undefined
		? undefined
		: new RateLimitBudget(store, PER_SECOND === undefined ? {} : { limits: { burst: { perSecond: Number(PER_SECOND) } } });
const fetch = createAtlassianFetch(
	atlassian,
	{ accessToken: ACCESS_TOKEN as string },
	{ retry: { maxWaitMs: 60_000, maxRetries: 100 }, ...(budget === undefined ? {} : { rateLimit: budget }) },
);
const url = `${GATEWAY}/ex/jira/${SITE}/rest/api/3/issue/ENG-1`;
const counts = { ok: 0, failed: 0, held: 0 };
const deadline = Number(DEADLINE);
await Promise.all(
	Array.from({ length: Number(CALLERS) }, async () => {
		while (Date.now() < deadline) {
			const response = await fetch(url).catch(() => null);
			if (response === null) counts.failed++;
			else if (response.status === 200) counts.ok++;
			else if (response.headers.get("x-rate-budget") === "held") counts.held++;
			else counts.failed++;
			await response?.body?.cancel().catch(() => {});
		}
	}),
);
budget?.close();
await store?.close();
client?.disconnect();
process.send?.(counts);
