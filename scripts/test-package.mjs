// Checks the package as users receive it: npm pack → publint, attw, and a fresh consumer project
// that imports, requires and type-checks every entry point. Run after `npm run build` (through tsx, which
// loads the TypeScript bundle-size helper shared with the size test).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measureBundle } from "../test/size/measure-bundle.ts";
import { onDemandBin } from "./on-demand.mjs";

const root = new URL("..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "atlassian-3lo-package-"));
const run = (command, args, cwd = root) => {
	console.log(`$ ${command} ${args.join(" ")}`);
	execFileSync(command, args, { cwd, stdio: "inherit" });
};

try {
	const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
	run("npm", ["pack", "--pack-destination", work, "--silent"]);
	const tarball = join(work, `${manifest.name}-${manifest.version}.tgz`);
	// What every install downloads: the builds, the README and the licence; the docs and pictures stay in the repository.
	const packedBytes = statSync(tarball).size;
	console.log(`tarball: ${(packedBytes / 1000).toFixed(1)} kB`);
	// 223 kB after #24; 259 kB after the renovation (#23: two entries, node and store, and a module per concept)
	// and the first half of "Connections you can see" (#25: health, disable, listing on three stores); 285 kB after
	// its second half (events and their outbox on three stores, and a seventh entry, atlassian-3lo/otel, in four builds);
	// 317 kB with one rate budget (#26: the budget, its scopes, and a store of it for memory, Redis and Postgres).
	if (packedBytes > 330_000) throw new Error(`the tarball is ${packedBytes} B, over its 330 kB budget`);

	run("npx", ["publint", "--strict"]);
	// Every resolver attw knows, node10 included: typesVersions gives it the subpath entries' types.
	run(onDemandBin("attw"), [tarball]);

	const consumer = join(work, "consumer");
	execFileSync("mkdir", ["-p", consumer]);
	writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
	const versions = manifest.devDependencies;
	run(
		"npm",
		[
			"install",
			"--no-audit",
			"--no-fund",
			"--loglevel=error",
			tarball,
			`typescript@${versions.typescript}`,
			`@types/node@${versions["@types/node"]}`,
			`ioredis@${versions.ioredis}`,
			`msw@${versions.msw}`,
			`pg@${versions.pg}`,
			`@types/pg@${versions["@types/pg"]}`,
			`@electric-sql/pglite@${versions["@electric-sql/pglite"]}`,
			`@opentelemetry/api@${versions["@opentelemetry/api"]}`,
		],
		consumer,
	);

	writeFileSync(
		join(consumer, "esm.mjs"),
		`import { Atlassian, generateState, OAuth2RequestError } from "atlassian-3lo";
import { sendWebResponse } from "atlassian-3lo/node";
import { checkTokenKey, testTokenStoreConformance } from "atlassian-3lo/store";
import { openTelemetry } from "atlassian-3lo/otel";
if (typeof openTelemetry().request !== "function") throw new Error("bad otel exports");
import { RedisTokenStore } from "atlassian-3lo/redis";
import { PostgresTokenStore } from "atlassian-3lo/postgres";
if (typeof sendWebResponse !== "function" || typeof testTokenStoreConformance !== "function" || checkTokenKey("user-1") !== undefined) throw new Error("bad node or store exports");
import { startAtlassianEmulator } from "atlassian-3lo/testing";
import { PGlite } from "@electric-sql/pglite";
const db = new PGlite();
const postgresStore = new PostgresTokenStore({ client: db });
await postgresStore.ensureSchema();
if (!(await postgresStore.compareAndSet("k", 0, { accessToken: "a", refreshToken: null, expiresAt: 1, scopes: [], version: 1 }))) throw new Error("postgres write failed");
if ((await postgresStore.get("k"))?.accessToken !== "a") throw new Error("postgres read failed");
await db.close();
const running = await startAtlassianEmulator({ refreshTokenReuseIntervalSeconds: 0 }); // strict: any reuse revokes
const atlassian = new Atlassian("emulator-client-id", "emulator-client-secret", "http://localhost:3000/login/atlassian/callback", { hosts: running.hosts });
const code = running.emulator.issueAuthorizationCode({ redirectURI: "http://localhost:3000/login/atlassian/callback", scopes: ["read:me", "offline_access"] });
const tokens = await atlassian.validateAuthorizationCode(code);
const user = await atlassian.getUser(tokens.accessToken());
await atlassian.refreshAccessToken(tokens.refreshToken());
const error = await atlassian.refreshAccessToken(tokens.refreshToken()).catch((e) => e);
await running.close();
if (!(error instanceof OAuth2RequestError) || error.status !== 403) throw new Error("expected 403 invalid_grant");
if (typeof RedisTokenStore !== "function" || generateState().length !== 43) throw new Error("bad exports");
console.log("ESM import: ok,", user.name);
`,
	);
	writeFileSync(
		join(consumer, "cjs.cjs"),
		`const { Atlassian, OAuth2Tokens, TokenManager } = require("atlassian-3lo");
const { sendWebResponse } = require("atlassian-3lo/node");
const { testTokenStoreConformance: storeKit } = require("atlassian-3lo/store");
const { observeConnections } = require("atlassian-3lo/otel");
if (typeof observeConnections !== "function") throw new Error("bad otel exports");
if (typeof sendWebResponse !== "function" || typeof storeKit !== "function") throw new Error("bad node or store exports");
const { RedisTokenStore } = require("atlassian-3lo/redis");
const { PostgresTokenStore, tokenTableSQL } = require("atlassian-3lo/postgres");
const { AtlassianEmulator, testTokenStoreConformance } = require("atlassian-3lo/testing");
if (typeof PostgresTokenStore !== "function" || !tokenTableSQL().includes("atlassian_token_sets") || typeof testTokenStoreConformance !== "function") throw new Error("bad postgres or testing exports");
const url = new Atlassian("id", "secret", "https://app.example/cb").createAuthorizationURL("state", ["read:me"]);
if (url.host !== "auth.atlassian.com" || typeof TokenManager !== "function" || typeof RedisTokenStore !== "function" || typeof AtlassianEmulator !== "function") throw new Error("bad exports");
if (new OAuth2Tokens({ access_token: "a" }).accessToken() !== "a") throw new Error("bad tokens");
console.log("CJS require: ok");
`,
	);
	writeFileSync(
		join(consumer, "consumer.ts"),
		`import { Atlassian, type AtlassianUser, OAuth2RequestError, type OAuth2Tokens, TokenManager, MemoryTokenStore } from "atlassian-3lo";
import { RedisTokenStore } from "atlassian-3lo/redis";
import { PostgresTokenStore } from "atlassian-3lo/postgres";
import { AtlassianEmulator } from "atlassian-3lo/testing";
import { createAtlassianHandlers } from "atlassian-3lo/testing/msw";
import { type NodeServerResponse, sendWebResponse } from "atlassian-3lo/node";
import { type TokenStoreLease, testTokenStoreConformance } from "atlassian-3lo/store";
import { type OpenTelemetryOptions, openTelemetry } from "atlassian-3lo/otel";
import { Redis } from "ioredis";
import pg from "pg";
import { PGlite } from "@electric-sql/pglite";
const atlassian = new Atlassian("id", "secret", "https://app.example/cb");
export async function run(): Promise<AtlassianUser | null> {
	try {
		const tokens: OAuth2Tokens = await atlassian.refreshAccessToken("rt");
		return await atlassian.getUser(tokens.accessToken());
	} catch (error) {
		if (error instanceof OAuth2RequestError) return null;
		throw error;
	}
}
const otelOptions: OpenTelemetryOptions = { hashConnectionKeys: true };
export const manager = new TokenManager(atlassian, { store: new MemoryTokenStore(), telemetry: openTelemetry(otelOptions) });
export const redisStore = new RedisTokenStore({ client: new Redis({ lazyConnect: true }) });
export const handlers = createAtlassianHandlers(new AtlassianEmulator());
export const pgStore = new PostgresTokenStore({ client: new pg.Pool(), table: "integrations.atlassian_tokens" });
export const pgliteStore = new PostgresTokenStore({ client: new PGlite() });
export const send: (response: Response, res: NodeServerResponse) => Promise<void> = sendWebResponse;
export type Lease = TokenStoreLease;
export const conformance = testTokenStoreConformance;
`,
	);
	run("node", ["esm.mjs"], consumer);

	// One copy of each error class per runtime path: the entry points of one path share it, and a store's
	// error is an instance of the class every entry exports. Checked through each export condition.
	const identityCheck = (load, path) => `${load}
const corrupt = { query: async () => ({ rows: [{ version: 1, token_set: "not json" }] }) };
const error = await new postgres.PostgresTokenStore({ client: corrupt }).get("k").catch((e) => e);
const same = main.CorruptTokenRecordError === redis.CorruptTokenRecordError && main.CorruptTokenRecordError === postgres.CorruptTokenRecordError;
if (!same || !(error instanceof main.CorruptTokenRecordError) || !(error instanceof redis.CorruptTokenRecordError)) throw new Error("${path}: two copies of CorruptTokenRecordError");
if (!(new main.AtlassianScopeError(null) instanceof main.AtlassianAPIError)) throw new Error("${path}: broken error hierarchy");
console.log("${path}: one copy of each error class across entry points: ok");
`;
	writeFileSync(
		join(consumer, "identity-node-esm.mjs"),
		identityCheck(
			`import * as main from "atlassian-3lo"; import * as redis from "atlassian-3lo/redis"; import * as postgres from "atlassian-3lo/postgres";
if (!import.meta.resolve("atlassian-3lo").endsWith("/dist/node/index.js")) throw new Error("the node condition did not apply: " + import.meta.resolve("atlassian-3lo"));`,
			"node ESM (dist/node)",
		),
	);
	writeFileSync(
		join(consumer, "identity-cjs.cjs"),
		`(async () => {${identityCheck(
			`const main = require("atlassian-3lo"); const redis = require("atlassian-3lo/redis"); const postgres = require("atlassian-3lo/postgres");
if (!require.resolve("atlassian-3lo").endsWith("/dist/index.cjs")) throw new Error("require did not resolve to CommonJS");`,
			"require (dist/*.cjs)",
		)}})().catch((error) => { console.error(error); process.exit(1); });`,
	);
	run("node", ["identity-node-esm.mjs"], consumer);
	run("node", ["identity-cjs.cjs"], consumer);
	// One process, both copies (an ESM app with a CommonJS dependency of its own): errors of one copy are
	// instances of the other's classes, and the other's predicates read them.
	writeFileSync(
		join(consumer, "identity-dual.mjs"),
		`import { createRequire } from "node:module";
import * as esm from "atlassian-3lo";
const cjs = createRequire(import.meta.url)("atlassian-3lo");
if (esm.TokenNotFoundError === cjs.TokenNotFoundError) throw new Error("expected two copies of the package");
const refused = new cjs.OAuth2RequestError("invalid_grant", null, null, null, 403);
if (!(refused instanceof esm.OAuth2RequestError) || !(new esm.TokenNotFoundError("k") instanceof cjs.TokenNotFoundError)) throw new Error("instanceof fails across copies");
if (!esm.isReauthorizationRequired(refused) || refused instanceof esm.ArcticFetchError) throw new Error("predicates fail across copies");
console.log("import + require in one process: errors are instances across both copies: ok");
`,
	);
	run("node", ["identity-dual.mjs"], consumer);
	// A bundler's path: the "import" condition, per-module ESM (dist/esm), bundled as an app would be, then run.
	const { build } = await import("esbuild");
	const bundled = await build({
		stdin: {
			contents: identityCheck(
				`import * as main from "atlassian-3lo"; import * as redis from "atlassian-3lo/redis"; import * as postgres from "atlassian-3lo/postgres";`,
				"bundler (dist/esm)",
			),
			resolveDir: consumer,
			loader: "js",
		},
		bundle: true,
		format: "esm",
		platform: "neutral",
		mainFields: ["module", "main"],
		outfile: join(consumer, "identity-bundled.mjs"),
		metafile: true,
		logLevel: "error",
	});
	if (Object.keys(bundled.metafile.inputs).some((input) => input.includes("/dist/node/"))) {
		throw new Error("a neutral bundler resolved the node build instead of the per-module ESM");
	}
	run("node", ["identity-bundled.mjs"], consumer);

	// msw is an optional peer dependency: atlassian-3lo/testing must import, and its loopback emulator run, without it.
	const withoutMsw = join(work, "consumer-without-msw");
	execFileSync("mkdir", ["-p", withoutMsw]);
	writeFileSync(join(withoutMsw, "package.json"), JSON.stringify({ name: "consumer-without-msw", private: true, type: "module" }));
	run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball], withoutMsw);
	writeFileSync(
		join(withoutMsw, "emulator.mjs"),
		`import { startAtlassianEmulator } from "atlassian-3lo/testing";
import { existsSync } from "node:fs";
if (existsSync("node_modules/msw")) throw new Error("msw is installed: this check would prove nothing");
const running = await startAtlassianEmulator();
const response = await fetch(running.url + "/oauth/token", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
await running.close();
if (response.status !== 401) throw new Error("expected 401 from the emulator, got " + response.status);
console.log("atlassian-3lo/testing without msw: ok, emulator answered on", running.url);
`,
	);
	run("node", ["emulator.mjs"], withoutMsw);
	run("node", ["cjs.cjs"], consumer);
	for (const resolution of [
		["--module", "node16", "--moduleResolution", "node16"],
		["--module", "esnext", "--moduleResolution", "bundler"],
		// Older settings, still common: "moduleResolution": "node" (node10) reads typesVersions for the subpaths.
		["--module", "commonjs", "--moduleResolution", "node", "--esModuleInterop"],
	]) {
		run(
			"npx",
			["tsc", "--noEmit", "--strict", "--skipLibCheck", "--target", "es2022", "--types", "node", ...resolution, "consumer.ts"],
			consumer,
		);
	}

	// The size test in `npm test` measures src/; this checks that a bundler given the packed package
	// (per-module ESM, "sideEffects": false) produces the same sign-in bundle, so that figure is what users get.
	const signIn = 'import { Atlassian, generateState } from "atlassian-3lo"; globalThis.keep = [Atlassian, generateState];';
	const fromTarball = (await measureBundle(signIn, consumer)).gzipped;
	const fromSource = (await measureBundle(signIn.replace('"atlassian-3lo"', '"./src/index.ts"'), root)).gzipped;
	console.log(`sign-in bundle: ${fromTarball} B gzipped from the tarball, ${fromSource} B from src/`);
	if (Math.abs(fromTarball - fromSource) > 64) {
		throw new Error("the packed package bundles differently from src/: the size test no longer measures what users get");
	}
	console.log("package checks: ok");
} finally {
	rmSync(work, { recursive: true, force: true });
}
