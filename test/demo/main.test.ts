import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));

it("npm run demo on a busy port prints one line suggesting PORT=…, not a stack trace", async () => {
	const blocker = createServer();
	await new Promise<void>((resolve) => blocker.listen(0, "localhost", resolve));
	const port = (blocker.address() as { port: number }).port;
	try {
		const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
			const child = execFile(
				process.execPath,
				["--import", "tsx", "demo/main.ts"],
				{ cwd: root, timeout: 30_000, env: { ...process.env, PORT: String(port) } },
				(_error, out, err) => resolve({ code: child.exitCode, stdout: out, stderr: err }),
			);
		});
		expect(code).toBe(1);
		expect(stderr.trim()).toBe(`Port ${port} is busy. Start the demo on another one: PORT=${port + 1} npm run demo`);
		expect(`${stdout}${stderr}`).not.toMatch(/EADDRINUSE|\n\s+at /);
	} finally {
		blocker.close();
	}
});
