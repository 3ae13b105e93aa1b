// `npm run bench`: this library against arctic@3.7.0 and against the bare floor (fetch, ioredis) doing the same
// work. Not part of `npm test`: timings are for this command. See bench/harness.ts for the method.
import { execFileSync, fork } from "node:child_process";
import { existsSync } from "node:fs";
import * as arctic from "arctic";
import * as ours from "../src/index.js";
import { openTelemetry } from "../src/otel/index.js";
import { RedisTokenStore } from "../src/redis/index.js";
import { hasRedisServer, type RedisServer, startRedisServer } from "../test/support/redis-server.js";
import {
	bootstrapMedian,
	type Comparison,
	compare,
	formatInterval,
	type Interval,
	machineHeader,
	percentile,
	speedup,
	timeRatio,
} from "./harness.js";
import { benchListConnections } from "./list-connections.js";
import { benchRateBudget } from "./rate-budget.js";

const SCOPES = ["read:me", "read:jira-work", "offline_access"];
const TOKEN_BODY = JSON.stringify({
	access_token: "bench-access-token",
	token_type: "Bearer",
	expires_in: 3600,
	refresh_token: "bench-refresh-token",
	scope: "read:me",
});
const root = new URL("..", import.meta.url).pathname;

const lines: string[] = [];
const rows: { workload: string; contender: string; opsPerSecond: number }[] = [];

function record(workload: string, comparison: Comparison): void {
	for (const [contender, value] of Object.entries(comparison.opsPerSecond)) rows.push({ workload, contender, opsPerSecond: value });
}

function verdict(what: string, interval: Interval, digits: number, unit: string, target: string, met: boolean): void {
	lines.push(`${what}: ${formatInterval(interval, digits, unit)} — target ${target}: ${met ? "met" : "MISSED"}`);
}

const stubFetch = async (input: string | URL | Request, init?: RequestInit) => {
	// The same work for both libraries: build the request, answer a fresh JSON response.
	new Request(input, init);
	return new Response(TOKEN_BODY, { headers: { "Content-Type": "application/json" } });
};

const redirectURI = "https://app.example/login/atlassian/callback";
const ourAtlassian = new ours.Atlassian("client-id", "client-secret", redirectURI);
const arcticAtlassian = new arctic.Atlassian("client-id", "client-secret", redirectURI);

// 1. Authorization URL.
const url = await compare({
	"atlassian-3lo": () => ourAtlassian.createAuthorizationURL(ours.generateState(), SCOPES),
	"arctic@3.7.0": () => arcticAtlassian.createAuthorizationURL(arctic.generateState(), SCOPES),
});
record("createAuthorizationURL", url);
const urlSpeedup = speedup(url, "atlassian-3lo", "arctic@3.7.0");
verdict("createAuthorizationURL vs arctic", urlSpeedup, 2, "×", "≥ 2×", urlSpeedup.median >= 2);

// 2. Code exchange and refresh through an in-process fetch stub (Arctic only uses the global fetch).
const originalFetch = globalThis.fetch;
globalThis.fetch = stubFetch as typeof fetch;
for (const [workload, ourTask, arcticTask] of [
	[
		"validateAuthorizationCode (stub)",
		() => ourAtlassian.validateAuthorizationCode("code"),
		() => arcticAtlassian.validateAuthorizationCode("code"),
	],
	[
		"refreshAccessToken (stub)",
		() => ourAtlassian.refreshAccessToken("refresh-token"),
		() => arcticAtlassian.refreshAccessToken("refresh-token"),
	],
] as const) {
	const comparison = await compare({ "atlassian-3lo": ourTask, "arctic@3.7.0": arcticTask });
	record(workload, comparison);
	const interval = speedup(comparison, "atlassian-3lo", "arctic@3.7.0");
	verdict(`${workload} vs arctic`, interval, 2, "×", "≥ 1.3×", interval.median >= 1.3);
}
globalThis.fetch = originalFetch;

// 3. Real loopback HTTP against a node:http server in another process, next to bare fetch.
const server = fork(new URL("./token-server.mjs", import.meta.url), { stdio: ["ignore", "pipe", "inherit", "ipc"] });
const port = await new Promise<number>((resolve) => server.stdout?.once("data", (chunk) => resolve(Number(String(chunk).trim()))));
const origin = `http://127.0.0.1:${port}`;
const loopbackAtlassian = new ours.Atlassian("client-id", "client-secret", redirectURI, {
	hosts: { authorizationServer: origin, apiGateway: origin },
});
const post = (body: Record<string, string>, signal?: AbortSignal) =>
	fetch(`${origin}/oauth/token`, {
		method: "POST",
		headers: { "Content-Type": "application/json", Accept: "application/json" },
		body: JSON.stringify(body),
		signal,
	});
const bareFetch = async (body: Record<string, string>) => JSON.parse(await (await post(body)).text());
// The least a deadline needs: an abort signal and a timer. The fair floor for a client that has a timeout at all.
const bareFetchWithDeadline = async (body: Record<string, string>) => {
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(), 30_000);
	try {
		return JSON.parse(await (await post(body, controller.signal)).text());
	} finally {
		clearTimeout(timer);
	}
};
const exchangeBody = {
	grant_type: "authorization_code",
	client_id: "client-id",
	client_secret: "client-secret",
	code: "code",
	redirect_uri: redirectURI,
};
const loopExchange = await compare(
	{
		"atlassian-3lo": () => loopbackAtlassian.validateAuthorizationCode("code"),
		"bare fetch + JSON.parse": () => bareFetch(exchangeBody),
		"bare fetch with a deadline": () => bareFetchWithDeadline(exchangeBody),
		// Loopback HTTP on a shared machine is noisy: more cycles for a narrower interval.
	},
	{ totalMs: 8_000 },
);
record("validateAuthorizationCode (loopback)", loopExchange);
const exchangeVsDeadline = timeRatio(loopExchange, "atlassian-3lo", "bare fetch with a deadline");
verdict(
	"loopback code exchange, time vs a bare fetch with a deadline",
	exchangeVsDeadline,
	3,
	"×",
	"≤ 1.05×",
	exchangeVsDeadline.median <= 1.05,
);
lines.push(
	`loopback code exchange, time vs a bare fetch without a deadline: ${formatInterval(timeRatio(loopExchange, "atlassian-3lo", "bare fetch + JSON.parse"), 3, "×")}`,
);

// 4. A gateway GET: createAtlassianFetch (gateway check, bearer header, deadline, retry policy) next to a bare
// fetch sending the same headers; both read the body.
const ACCESS_TOKEN = "bench-access-token";
const apiURL = `${origin}/ex/jira/1324a887-45db-1bf4-1e99-ef0ff456d421/rest/api/3/myself`;
const gatewayFetch = ours.createAtlassianFetch(loopbackAtlassian, { accessToken: ACCESS_TOKEN });
// The same with a RateLimitBudget and no limit reached: what the budget costs while Atlassian does not push back.
const budgetedFetch = ours.createAtlassianFetch(
	loopbackAtlassian,
	{ accessToken: ACCESS_TOKEN },
	{ rateLimit: new ours.RateLimitBudget(new ours.MemoryRateLimitStore()) },
);
// The same, instrumented with openTelemetry() while no SDK is registered: what an app pays for the option alone.
const instrumentedFetch = ours.createAtlassianFetch(
	new ours.Atlassian("client-id", "client-secret", redirectURI, {
		hosts: { authorizationServer: origin, apiGateway: origin },
		telemetry: openTelemetry(),
	}),
	{ accessToken: ACCESS_TOKEN },
);
const loopGateway = await compare(
	{
		"atlassian-3lo": async () => (await gatewayFetch(apiURL)).text(),
		"atlassian-3lo, OpenTelemetry API, no SDK": async () => (await instrumentedFetch(apiURL)).text(),
		"atlassian-3lo, rate budget, no limit reached": async () => (await budgetedFetch(apiURL)).text(),
		"bare fetch, same headers": async () =>
			(await fetch(apiURL, { headers: { Authorization: `Bearer ${ACCESS_TOKEN}`, Accept: "application/json" } })).text(),
		// The floor for a call that has a deadline at all: on Node 20, passing any AbortSignal to fetch costs ~8 %.
		"bare fetch, same headers, with a deadline": async () => {
			const controller = new AbortController();
			const timer = setTimeout(() => controller.abort(), 30_000);
			try {
				const headers = { Authorization: `Bearer ${ACCESS_TOKEN}`, Accept: "application/json" };
				return await (await fetch(apiURL, { headers, signal: controller.signal })).text();
			} finally {
				clearTimeout(timer);
			}
		},
	},
	{ totalMs: 8_000 },
);
record("createAtlassianFetch GET (loopback)", loopGateway);
const gatewayRatio = timeRatio(loopGateway, "atlassian-3lo", "bare fetch, same headers");
verdict("createAtlassianFetch GET, time vs a bare fetch", gatewayRatio, 3, "×", "≤ 1.10×", gatewayRatio.median <= 1.1);
lines.push(
	`createAtlassianFetch GET, time vs a bare fetch with a deadline: ${formatInterval(timeRatio(loopGateway, "atlassian-3lo", "bare fetch, same headers, with a deadline"), 3, "×")}`,
);
const otelRatio = timeRatio(loopGateway, "atlassian-3lo, OpenTelemetry API, no SDK", "atlassian-3lo");
verdict(
	"createAtlassianFetch GET with openTelemetry() and no SDK, time vs without",
	otelRatio,
	3,
	"×",
	"≤ 1.02×",
	otelRatio.median <= 1.02,
);
const budgetRatio = timeRatio(loopGateway, "atlassian-3lo, rate budget, no limit reached", "atlassian-3lo");
verdict(
	"createAtlassianFetch GET with a rate budget, no limit reached, time vs without",
	budgetRatio,
	3,
	"×",
	"≤ 1.05×",
	budgetRatio.median <= 1.05,
);
server.disconnect();
server.kill();

// 5 and 6. getAccessToken on a real redis-server, and processes waiting for another's refresh.
if (hasRedisServer()) {
	const redis = await startRedisServer();
	try {
		await benchGetAccessToken(redis);
		await benchWaiters(redis);
		await benchRefreshWithEvents(redis);
		await benchRateBudget(lines, redis);
		await benchListConnections(lines, redis);
	} finally {
		await redis.stop();
	}
} else {
	lines.push("getAccessToken, waiter and Redis listing rows SKIPPED: redis-server is not installed (apt-get install -y redis-server)");
	await benchListConnections(lines, undefined);
}

// 7. Import time of each entry in a fresh Node process, from the built package, next to arctic.
await benchImports();

console.log(`\natlassian-3lo benchmark — ${machineHeader()}`);
console.log("Contenders interleaved in shuffled batches; medians of per-cycle ratios with 95 % bootstrap intervals\n");
console.log(`${"workload".padEnd(40)}${"contender".padEnd(30)}${"ops/s".padStart(14)}${"µs/op".padStart(10)}`);
for (const row of rows) {
	console.log(
		`${row.workload.padEnd(40)}${row.contender.padEnd(30)}${Math.round(row.opsPerSecond).toLocaleString("en-US").padStart(14)}${(1e6 / row.opsPerSecond).toFixed(2).padStart(10)}`,
	);
}
console.log(`\n${lines.join("\n")}`);

async function benchGetAccessToken(redis: RedisServer): Promise<void> {
	const client = redis.client({ maxRetriesPerRequest: 3 });
	const store = new RedisTokenStore({ client, prefix: "bench:" });
	const unused = { refreshAccessToken: () => Promise.reject(new Error("a valid token is never refreshed")) };
	const uncached = new ours.TokenManager(unused, { store });
	const cached = new ours.TokenManager(unused, { store, cacheMs: 10_000 });
	const keys = Array.from({ length: 20 }, (_, index) => `hot-${index}`);
	for (const key of keys) {
		await uncached.save(key, new ours.OAuth2Tokens({ access_token: `at-${key}`, refresh_token: "rt", expires_in: 3600 }));
	}
	let next = 0;
	const key = () => keys[next++ % keys.length] as string;
	const commands = async () => Number(((await client.info("stats")).match(/total_commands_processed:(\d+)/) ?? [])[1]);
	const comparison = await compare(
		{
			"TokenManager, cacheMs: 10000": () => cached.getAccessToken(key()),
			"TokenManager, no cache": () => uncached.getAccessToken(key()),
			"bare ioredis HMGET + JSON.parse": async () => {
				const [, data] = await client.hmget(`bench:{${key()}}:tokens`, "v", "d");
				return JSON.parse(data as string).accessToken;
			},
		},
		{ totalMs: 6_000 },
	);
	record("getAccessToken, valid token (Redis)", comparison);
	const cacheSpeedup = speedup(comparison, "TokenManager, cacheMs: 10000", "TokenManager, no cache");
	verdict("getAccessToken cached vs uncached (hot connections)", cacheSpeedup, 0, "×", "≥ 100×", cacheSpeedup.median >= 100);
	const floor = speedup(comparison, "TokenManager, no cache", "bare ioredis HMGET + JSON.parse");
	verdict("getAccessToken uncached, rate vs a bare HMGET", floor, 3, "×", "≥ 0.9×", floor.median >= 0.9);
	const before = await commands();
	for (let i = 0; i < 100_000; i++) await cached.getAccessToken(key());
	lines.push(`Redis commands per cached getAccessToken call: ${((await commands()) - before - 1) / 100_000}`);
	client.disconnect();
}

async function benchWaiters(redis: RedisServer): Promise<void> {
	// Two processes' worth of clients in one: the holder refreshes, the waiter finds the lease taken and waits.
	// Default options: the waiter's store opens its own notification connection on its first wait.
	const holderClient = redis.client({ maxRetriesPerRequest: 3 });
	const waiterClient = redis.client({ maxRetriesPerRequest: 3 });
	let counter = 0;
	// Atlassian, answering in 2–4 ms.
	const provider = {
		refreshAccessToken: async () => {
			await new Promise((resolve) => setTimeout(resolve, 2 + Math.random() * 2));
			counter++;
			return new ours.OAuth2Tokens({ access_token: `at-${counter}`, refresh_token: `rt-${counter}`, expires_in: 3600 });
		},
	};
	const holder = new ours.TokenManager(provider, { store: new RedisTokenStore({ client: holderClient, prefix: "waiters:" }) });
	const waiterStore = new RedisTokenStore({ client: waiterClient, prefix: "waiters:" });
	const waiter = new ours.TokenManager(provider, { store: waiterStore });
	await holder.save("conn", new ours.OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: 3600 }));
	const refreshTimes: number[] = [];
	const waitTimes: number[] = [];
	const lagTimes: number[] = [];
	for (let sample = 0; sample < 1_000; sample++) {
		const started = performance.now();
		let refreshedAt = 0;
		const refreshing = holder.refresh("conn").then(() => {
			refreshedAt = performance.now();
		});
		// The waiter arrives once the holder has the lease.
		while ((await waiterClient.exists("waiters:{conn}:lease")) === 0 && refreshedAt === 0) {}
		const waitStarted = performance.now();
		if (refreshedAt === 0) {
			const seen = (await waiterStore.get("conn"))?.version ?? 0;
			await waiter.getAccessToken("conn").catch(() => {});
			const gotAt = performance.now();
			await refreshing;
			if ((await waiterStore.get("conn"))?.version !== seen) {
				waitTimes.push(gotAt - waitStarted);
				lagTimes.push(Math.max(0, gotAt - refreshedAt));
			}
		}
		await refreshing;
		refreshTimes.push(refreshedAt - started);
		// Due again for the next sample.
		const stored = await waiterStore.get("conn");
		if (stored)
			await waiterStore.compareAndSet("conn", stored.version, { ...stored, expiresAt: Date.now() - 1_000, version: stored.version + 1 });
	}
	const describe = (values: number[]) =>
		`p50 ${percentile(values, 50).toFixed(2)} ms, p99 ${percentile(values, 99).toFixed(2)} ms, p99.9 ${percentile(values, 99.9).toFixed(2)} ms (n = ${values.length})`;
	lines.push(`a refresh's own time (lease, mark, 2–4 ms Atlassian, write): ${describe(refreshTimes)}`);
	lines.push(`a waiter's wait, from finding the lease taken to holding the new token: ${describe(waitTimes)}`);
	lines.push(`  of which after the new set was stored (the notification's lag): ${describe(lagTimes)}`);
	const met = percentile(waitTimes, 99.9) <= percentile(refreshTimes, 99.9) + 5;
	lines.push(`waiter p99.9 ≤ the refresh's own p99.9 + 5 ms: ${met ? "met" : "MISSED"}`);
	await waiterStore.close();
	holderClient.disconnect();
	waiterClient.disconnect();
}

/**
 * A refresh on Redis (lease, sent mark, a stub Atlassian, fenced write) with onConnectionEvent and its outbox on,
 * against one without: the previous release's refresh. A refresh of an active connection tells `refreshed`
 * without keeping it, so the outbox costs no extra write.
 */
async function benchRefreshWithEvents(redis: RedisServer): Promise<void> {
	const client = redis.client({ maxRetriesPerRequest: 3 });
	const store = new RedisTokenStore({ client, prefix: "bench-events:" });
	let counter = 0;
	const refresher = {
		refreshAccessToken: async () => {
			counter++;
			return new ours.OAuth2Tokens({ access_token: `at-${counter}`, refresh_token: `rt-${counter}`, expires_in: 3600 });
		},
	};
	let told = 0;
	const plain = new ours.TokenManager(refresher, { store });
	const withEvents = new ours.TokenManager(refresher, { store, onConnectionEvent: () => void told++ });
	for (const key of ["plain", "events"]) {
		await plain.save(key, new ours.OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: 3600 }));
	}
	const comparison = await compare(
		{
			"refresh, events and status on": () => withEvents.refresh("events"),
			"refresh, no onConnectionEvent": () => plain.refresh("plain"),
		},
		{ totalMs: 6_000 },
	);
	record("TokenManager.refresh (Redis, stub Atlassian)", comparison);
	const ratio = timeRatio(comparison, "refresh, events and status on", "refresh, no onConnectionEvent");
	verdict("refresh with events and status on, time vs without", ratio, 3, "×", "≤ 1.10×", ratio.median <= 1.1);
	lines.push(`  events told meanwhile: ${told} (one per refresh: refreshed)`);
	await store.close();
	client.disconnect();
}

async function benchImports(): Promise<void> {
	if (!["index", "otel"].every((entry) => existsSync(new URL(`../dist/node/${entry}.js`, import.meta.url)))) {
		execFileSync("npm", ["run", "build"], { cwd: root, stdio: "ignore" });
	}
	// The package imports itself by name, through its own "exports", exactly as an app's `import` in Node does.
	const specifiers = [
		"atlassian-3lo",
		"atlassian-3lo/redis",
		"atlassian-3lo/postgres",
		"atlassian-3lo/otel",
		"atlassian-3lo/testing",
		"arctic",
	];
	const times: Record<string, number[]> = Object.fromEntries(specifiers.map((specifier) => [specifier, []]));
	for (let round = 0; round < 15; round++) {
		for (const specifier of [...specifiers].sort(() => Math.random() - 0.5)) {
			const output = execFileSync(
				process.execPath,
				[
					"--input-type=module",
					"-e",
					`const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t);`,
				],
				{ cwd: root, encoding: "utf8" },
			);
			times[specifier]?.push(Number(output.trim()));
		}
	}
	for (const specifier of specifiers) {
		const interval = bootstrapMedian(times[specifier] ?? []);
		const label = specifier === "arctic" ? "arctic@3.7.0 (whole package)" : specifier;
		lines.push(`import time in a fresh Node process, ${label}: ${formatInterval(interval, 1, " ms")}`);
	}
	const main = bootstrapMedian(times["atlassian-3lo"] ?? []);
	lines.push(`main-entry import ≤ 20 ms: ${main.median <= 20 ? "met" : "MISSED"}`);
}
