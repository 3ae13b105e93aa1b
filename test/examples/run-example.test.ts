import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { freePort } from "../support/redis-server.js";

// Each recipe runs on its own, as the docs tell a newcomer: `npx tsx examples/<name>.ts` listens, prints where to
// start, and its login route sends the browser to the (offline) emulator's consent page.
const root = fileURLToPath(new URL("../..", import.meta.url));
const running: ChildProcess[] = [];
afterEach(() => {
	for (const child of running.splice(0)) child.kill("SIGKILL");
});

it.each(["express", "fastify", "hono", "nextjs-route-handlers", "cloudflare-worker"])(
	"npx tsx examples/%s.ts listens, says where, and signs in through the emulator",
	async (name) => {
		const port = await freePort();
		const { ATLASSIAN_CLIENT_ID: _id, ATLASSIAN_CLIENT_SECRET: _secret, ...env } = process.env;
		const child = spawn(process.execPath, ["--import", "tsx", `examples/${name}.ts`], { cwd: root, env: { ...env, PORT: String(port) } });
		running.push(child);
		let output = "";
		child.stdout?.on("data", (chunk) => {
			output += chunk;
		});
		child.stderr?.on("data", (chunk) => {
			output += chunk;
		});
		await expect.poll(() => output, { timeout: 15_000 }).toContain(`listening on http://localhost:${port}`);
		expect(output).toContain(`open http://localhost:${port}/login/atlassian`);
		const login = await fetch(`http://localhost:${port}/login/atlassian`, { redirect: "manual" });
		expect(login.status).toBe(302);
		expect(login.headers.get("location")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/authorize\?/);
	},
	30_000,
);
