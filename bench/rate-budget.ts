import { fork } from "node:child_process";
import { AtlassianEmulator, DEFAULT_SITE, startLoopbackServer } from "../src/testing/index.js";
import { bundleWorker } from "../test/support/bundle-worker.js";
import { emulatorAccessToken } from "../test/support/emulator-access-token.js";
import type { RedisServer } from "../test/support/redis-server.js";

// "8 workers, one budget": eight worker processes × 4 callers call the emulator's gateway for `seconds`, under a
// burst limit and an hourly points quota scaled so that both bind: once with one RateLimitBudget on a shared Redis
// (a proactive perSecond 10 % under the burst limit), once with each process waiting out its own Retry-After.

const WORKERS = 8;
const CALLERS = 4;
const BURST_PER_SECOND = 40;
/** The quotas' "hour", scaled: a GET of one issue costs 2 points, so a window allows SITE_POINTS / 2 calls. */
const HOUR_SECONDS = 20;
const SITE_POINTS = 1_200;

export async function benchRateBudget(lines: string[], redis: RedisServer, seconds = 60): Promise<void> {
	const workerFile = await bundleWorker(new URL("./budget-worker.ts", import.meta.url));
	const withBudget = await run(workerFile, redis, seconds, true);
	const alone = await run(workerFile, redis, seconds, false);
	// What the limits allow in `seconds` (whole windows): the quota's calls per window, the burst limit allowing more.
	const allowed = Math.round(Math.min(seconds * BURST_PER_SECOND, Math.ceil(seconds / HOUR_SECONDS) * (SITE_POINTS / 2)));
	const describe = (name: string, result: Result) =>
		`  ${name}: ${result.ok} successful calls (${((100 * result.ok) / allowed).toFixed(1)} % of the ${allowed} the limits allow), ` +
		`${result.rateLimited} of ${result.sent} calls answered 429 by Atlassian (${((100 * result.rateLimited) / Math.max(1, result.sent)).toFixed(2)} %), ` +
		`${result.held} held back before sending; 429s by reason: ${JSON.stringify(result.reasons)}`;
	lines.push(
		`8 workers × 4 callers, one budget, ${seconds} s against a burst limit of ${BURST_PER_SECOND}/s and ${SITE_POINTS} points per ${HOUR_SECONDS}-s "hour":`,
	);
	lines.push(describe("with the budget (Redis, perSecond 36)", withBudget));
	lines.push(describe("without it (per-process Retry-After)", alone));
	const met = withBudget.rateLimited / Math.max(1, withBudget.sent) <= 0.01 && withBudget.ok >= 0.9 * allowed;
	lines.push(`  with the budget, 429s ≤ 1 % and successful calls ≥ 90 % of what the limits allow: ${met ? "met" : "MISSED"}`);
}

interface Result {
	ok: number;
	held: number;
	sent: number;
	rateLimited: number;
	reasons: Record<string, number>;
}

async function run(workerFile: string, redis: RedisServer, seconds: number, budget: boolean): Promise<Result> {
	const emulator = new AtlassianEmulator({
		atlassianRateLimits: { burstPerSecond: { read: BURST_PER_SECOND }, sitePointsPerHour: SITE_POINTS, hourSeconds: HOUR_SECONDS },
	});
	// Atlassian's side of the count: every gateway call that reached it, and each 429 it answered.
	let sent = 0;
	let rateLimited = 0;
	const reasons: Record<string, number> = {};
	const handle = emulator.handle;
	let ok = 0;
	let deadline = Number.POSITIVE_INFINITY;
	const server = await startLoopbackServer(async (request) => {
		const response = await handle(request);
		// Counted while the run lasts: the calls still waiting at its end go into a window it does not count.
		if (new URL(request.url).pathname.startsWith("/ex/") && Date.now() < deadline) {
			sent++;
			if (response.status === 200) ok++;
			if (response.status === 429) {
				rateLimited++;
				const reason = response.headers.get("ratelimit-reason") ?? "none";
				reasons[reason] = (reasons[reason] ?? 0) + 1;
			}
		}
		return response;
	});
	const running = { url: server.url, emulator };
	try {
		const access_token = await emulatorAccessToken(emulator, ["read:jira-work"]);
		// The windows start together: the run begins on a window's edge.
		const windowMs = HOUR_SECONDS * 1000;
		await new Promise((resolve) => setTimeout(resolve, windowMs - (Date.now() % windowMs) + 5));
		deadline = Date.now() + seconds * 1000;
		const prefix = `bench-budget-${deadline}:`; // one budget: every worker on the same keys
		const results = await Promise.all(
			Array.from({ length: WORKERS }, () => {
				const child = fork(workerFile, [], {
					env: {
						...process.env,
						GATEWAY: running.url,
						ACCESS_TOKEN: access_token,
						SITE: DEFAULT_SITE.id,
						REDIS_PORT: String(redis.port),
						BUDGET: budget ? "1" : "0",
						PER_SECOND: String(BURST_PER_SECOND * 0.9),
						CALLERS: String(CALLERS),
						DEADLINE: String(deadline),
						PREFIX: prefix,
					},
					stdio: ["ignore", "ignore", "inherit", "ipc"],
				});
				return new Promise<{ held: number }>((resolve) => child.once("message", (counts) => resolve(counts as never)));
			}),
		);
		return {
			ok,
			held: results.reduce((sum, each) => sum + each.held, 0),
			sent,
			rateLimited,
			reasons,
		};
	} finally {
		await server.close();
	}
}
