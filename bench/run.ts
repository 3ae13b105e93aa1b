// `npm run bench`: this library vs arctic@3.7.0 doing the same work, in one process, in alternating
// rounds; the median of the rounds is reported. Not part of `npm test`: timings are noisy.
import { fork } from "node:child_process";
import { cpus } from "node:os";
import * as arctic from "arctic";
import * as ours from "../src/index.js";

const SCOPES = ["read:me", "read:jira-work", "offline_access"];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 300);
const TOKEN_BODY = JSON.stringify({
	access_token: "bench-access-token",
	token_type: "Bearer",
	expires_in: 3600,
	refresh_token: "bench-refresh-token",
	scope: "read:me",
});

type Task = () => unknown | Promise<unknown>;

async function opsPerSecond(task: Task, durationMs: number): Promise<number> {
	let operations = 0;
	const start = performance.now();
	let now = start;
	while (now - start < durationMs) {
		for (let i = 0; i < 64; i++) await task();
		operations += 64;
		now = performance.now();
	}
	return (operations * 1000) / (now - start);
}

function median(values: number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] as number;
}

interface Comparison {
	/** Median ops/s of each contender. */
	medians: Record<string, number>;
	/** Per-round samples, in round order, so that ratios can be taken between runs made side by side. */
	samples: Record<string, number[]>;
}

/** Runs contenders in alternating order, round after round, and returns each one's median ops/s. */
async function compare(contenders: Record<string, Task>): Promise<Comparison> {
	const names = Object.keys(contenders);
	const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
	for (const name of names) await opsPerSecond(contenders[name] as Task, ROUND_MS / 2); // warm-up
	for (let round = 0; round < ROUNDS; round++) {
		const order = round % 2 === 0 ? names : [...names].reverse();
		for (const name of order) samples[name]?.push(await opsPerSecond(contenders[name] as Task, ROUND_MS));
	}
	return { medians: Object.fromEntries(names.map((name) => [name, median(samples[name] ?? [])])), samples };
}

/**
 * The median of the per-round ratios a/b. Each round runs both contenders back to back, so slow drift of
 * the machine (another process, CPU frequency, the server's GC) cancels out of each ratio.
 */
function ratio(comparison: Comparison, a: string, b: string): number {
	const left = comparison.samples[a] ?? [];
	const right = comparison.samples[b] ?? [];
	return median(left.map((value, round) => value / (right[round] ?? Number.NaN)));
}

const rows: { workload: string; contender: string; opsPerSecond: number }[] = [];
const ratios: string[] = [];

function record(workload: string, comparison: Comparison) {
	for (const [contender, value] of Object.entries(comparison.medians)) rows.push({ workload, contender, opsPerSecond: value });
}

const stubFetch = async (input: string | URL | Request, init?: RequestInit) => {
	// The same work for both libraries: build the request, answer a fresh JSON response.
	new Request(input, init);
	return new Response(TOKEN_BODY, { headers: { "Content-Type": "application/json" } });
};

const redirectURI = "https://app.example/login/atlassian/callback";
const ourAtlassian = new ours.Atlassian("client-id", "client-secret", redirectURI);
const arcticAtlassian = new arctic.Atlassian("client-id", "client-secret", redirectURI);

// 1. Authorization URL
const url = await compare({
	"atlassian-3lo": () => ourAtlassian.createAuthorizationURL(ours.generateState(), SCOPES),
	"arctic@3.7.0": () => arcticAtlassian.createAuthorizationURL(arctic.generateState(), SCOPES),
});
record("createAuthorizationURL", url);
ratios.push(`createAuthorizationURL: ${ratio(url, "atlassian-3lo", "arctic@3.7.0").toFixed(2)}× arctic (target ≥ 2×)`);

// 2. Code exchange and refresh through an in-process fetch stub (Arctic only uses the global fetch).
const originalFetch = globalThis.fetch;
globalThis.fetch = stubFetch as typeof fetch;
const exchange = await compare({
	"atlassian-3lo": () => ourAtlassian.validateAuthorizationCode("code"),
	"arctic@3.7.0": () => arcticAtlassian.validateAuthorizationCode("code"),
});
record("validateAuthorizationCode (stub)", exchange);
ratios.push(`validateAuthorizationCode (stub): ${ratio(exchange, "atlassian-3lo", "arctic@3.7.0").toFixed(2)}× arctic (target ≥ 1.3×)`);
const refresh = await compare({
	"atlassian-3lo": () => ourAtlassian.refreshAccessToken("refresh-token"),
	"arctic@3.7.0": () => arcticAtlassian.refreshAccessToken("refresh-token"),
});
record("refreshAccessToken (stub)", refresh);
ratios.push(`refreshAccessToken (stub): ${ratio(refresh, "atlassian-3lo", "arctic@3.7.0").toFixed(2)}× arctic (target ≥ 1.3×)`);
globalThis.fetch = originalFetch;

// 3. Real loopback HTTP against a node:http token server in another process, next to bare fetch.
const server = fork(new URL("./token-server.mjs", import.meta.url), { stdio: ["ignore", "pipe", "inherit", "ipc"] });
const port = await new Promise<number>((resolve) => server.stdout?.once("data", (chunk) => resolve(Number(String(chunk).trim()))));
const origin = `http://127.0.0.1:${port}`;
const loopbackAtlassian = new ours.Atlassian("client-id", "client-secret", redirectURI, {
	hosts: { authorizationServer: origin, apiGateway: origin },
});
const bareFetch = async (body: Record<string, string>) => {
	const response = await fetch(`${origin}/oauth/token`, {
		method: "POST",
		headers: { "Content-Type": "application/json", Accept: "application/json" },
		body: JSON.stringify(body),
	});
	return JSON.parse(await response.text());
};
// The same, with the least a deadline needs: an abort signal for fetch and a timer. Not a target, but it
// shows how much of the gap to the floor is the price of having a timeout at all in this runtime's fetch.
const bareFetchWithDeadline = async (body: Record<string, string>) => {
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(), 30_000);
	try {
		const response = await fetch(`${origin}/oauth/token`, {
			method: "POST",
			headers: { "Content-Type": "application/json", Accept: "application/json" },
			body: JSON.stringify(body),
			signal: controller.signal,
		});
		return JSON.parse(await response.text());
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
const refreshBody = { grant_type: "refresh_token", client_id: "client-id", client_secret: "client-secret", refresh_token: "refresh-token" };
// Arctic has no way to change Atlassian's host, so over loopback the comparison is with the floor.
const loopExchange = await compare({
	"atlassian-3lo": () => loopbackAtlassian.validateAuthorizationCode("code"),
	"bare fetch + JSON.parse": () => bareFetch(exchangeBody),
	"bare fetch with a deadline": () => bareFetchWithDeadline(exchangeBody),
});
record("validateAuthorizationCode (loopback)", loopExchange);
const loopRefresh = await compare({
	"atlassian-3lo": () => loopbackAtlassian.refreshAccessToken("refresh-token"),
	"bare fetch + JSON.parse": () => bareFetch(refreshBody),
	"bare fetch with a deadline": () => bareFetchWithDeadline(refreshBody),
});
record("refreshAccessToken (loopback)", loopRefresh);
// 4. A gateway GET: createAtlassianFetch (gateway check, bearer header, deadline, retry policy) next to a bare
// fetch sending the same headers; both read the body.
const ACCESS_TOKEN = "bench-access-token";
const apiURL = `${origin}/ex/jira/1324a887-45db-1bf4-1e99-ef0ff456d421/rest/api/3/myself`;
const gatewayFetch = ours.createAtlassianFetch(loopbackAtlassian, { accessToken: ACCESS_TOKEN });
const loopGateway = await compare({
	"atlassian-3lo": async () => (await gatewayFetch(apiURL)).text(),
	"bare fetch, same headers": async () =>
		(await fetch(apiURL, { headers: { Authorization: `Bearer ${ACCESS_TOKEN}`, Accept: "application/json" } })).text(),
});
record("createAtlassianFetch GET (loopback)", loopGateway);
ratios.push(
	`createAtlassianFetch GET (loopback): ${(1 / ratio(loopGateway, "atlassian-3lo", "bare fetch, same headers")).toFixed(3)}× the bare fetch's time per call (target ≤ 1.10×)`,
);
server.disconnect();
server.kill();
for (const [name, result] of [
	["validateAuthorizationCode (loopback)", loopExchange],
	["refreshAccessToken (loopback)", loopRefresh],
] as const) {
	const share = ratio(result, "atlassian-3lo", "bare fetch + JSON.parse");
	const withDeadline = ratio(result, "atlassian-3lo", "bare fetch with a deadline");
	ratios.push(
		`${name}: ${(share * 100).toFixed(1)} % of the bare-fetch floor's ops/s (target ≥ 90 %); ${(withDeadline * 100).toFixed(1)} % of a bare fetch with a deadline`,
	);
}

const cpu = cpus();
console.log(`\natlassian-3lo benchmark — ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, Node ${process.version}`);
console.log(`${ROUNDS} alternating rounds of ${ROUND_MS} ms per contender; medians shown, ratios are medians of per-round ratios\n`);
console.log(`${"workload".padEnd(40)}${"contender".padEnd(26)}${"ops/s".padStart(12)}${"ns/op".padStart(12)}`);
for (const row of rows) {
	console.log(
		`${row.workload.padEnd(40)}${row.contender.padEnd(26)}${Math.round(row.opsPerSecond).toLocaleString("en-US").padStart(12)}${Math.round(
			1e9 / row.opsPerSecond,
		)
			.toLocaleString("en-US")
			.padStart(12)}`,
	);
}
console.log(`\n${ratios.join("\n")}`);
