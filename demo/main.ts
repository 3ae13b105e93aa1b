// `npm run demo`: a real "Sign in with Atlassian" on this machine.
// Without credentials it runs against the offline Atlassian emulator; with ATLASSIAN_CLIENT_ID and
// ATLASSIAN_CLIENT_SECRET (environment or .env) it uses real Atlassian.
import { existsSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PostgresTokenStore } from "../src/postgres/index.js";
import { startAtlassianEmulator, startLoopbackServer } from "../src/testing/index.js";
import { createDemoApp, type DemoAppOptions } from "./app.js";

if (existsSync(".env")) process.loadEnvFile(".env");

const port = Number(process.env.PORT ?? 3000);
const appURL = `http://localhost:${port}`;
const redirectURI = `${appURL}/login/atlassian/callback`;
const clientId = process.env.ATLASSIAN_CLIENT_ID;
const clientSecret = process.env.ATLASSIAN_CLIENT_SECRET;

let config: Pick<DemoAppOptions, "clientId" | "clientSecret" | "hosts" | "emulator">;
let providerLabel: string;
let closeEmulator = async () => {};

if (clientId && clientSecret) {
	config = { clientId, clientSecret };
	providerLabel = "real Atlassian (auth.atlassian.com)";
	console.log(`Using real Atlassian. Register this callback URL on your app in the developer console:\n  ${redirectURI}`);
} else {
	const emulatorPort = process.env.EMULATOR_PORT ? Number(process.env.EMULATOR_PORT) : 0;
	const emulator = await startAtlassianEmulator({
		port: emulatorPort,
		clients: [{ clientId: "demo-client-id", clientSecret: "demo-client-secret", name: "atlassian-3lo demo", redirectURIs: [redirectURI] }],
	});
	closeEmulator = emulator.close;
	config = { clientId: "demo-client-id", clientSecret: "demo-client-secret", hosts: emulator.hosts, emulator: emulator.emulator };
	providerLabel = `the offline Atlassian emulator (${emulator.url})`;
	console.log(`Atlassian emulator: ${emulator.url}  (set ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET to use real Atlassian)`);
}

// Tokens go where a production app keeps them, a Postgres table (PostgresTokenStore), here on PGlite: Postgres
// in this process, in memory, so there is no server to install and nothing is written to disk.
const database = new PGlite();
const store = new PostgresTokenStore({ client: database });
await store.ensureSchema();
const closeDatabase = () => database.close();

const app = await startLoopbackServer(createDemoApp({ ...config, redirectURI, providerLabel, store }), {
	port,
	hostname: "localhost",
}).catch(async (error: NodeJS.ErrnoException) => {
	if (error.code !== "EADDRINUSE") throw error;
	await Promise.all([closeEmulator(), closeDatabase()]);
	console.error(`Port ${port} is busy. Start the demo on another one: PORT=${port + 1} npm run demo`);
	process.exit(1);
});
console.log("Tokens:             PostgresTokenStore on PGlite (Postgres in this process, in memory)");
console.log(`Demo app:           ${app.url}  — open it and click "Sign in with Atlassian". Ctrl+C stops.`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
	process.once(signal, () => {
		void Promise.all([app.close(), closeEmulator(), closeDatabase()]).then(() => process.exit(0));
	});
}
