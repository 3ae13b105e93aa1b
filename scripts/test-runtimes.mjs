// Runs test/runtimes/smoke.mjs against the packed package in Node, Bun, Deno and workerd.
// Run after `npm run build`. The runtimes come from the bun, deno and workerd npm packages, installed on demand
// (scripts/on-demand.mjs), not by `npm install`.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { onDemandBin } from "./on-demand.mjs";

const root = new URL("..", import.meta.url).pathname;
const bin = onDemandBin;
const work = mkdtempSync(join(tmpdir(), "atlassian-3lo-runtimes-"));
const run = (label, command, args, cwd) => {
	console.log(`\n[${label}] ${command} ${args.join(" ")}`);
	const output = execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
	process.stdout.write(output);
	if (!output.includes("ok: authorization URL, code exchange, refresh, error classification, timeout")) {
		throw new Error(`${label}: the smoke suite did not report success`);
	}
};

try {
	const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
	execFileSync("npm", ["pack", "--pack-destination", work, "--silent"], { cwd: root, stdio: "inherit" });
	const project = join(work, "project");
	mkdirSync(project);
	writeFileSync(join(project, "package.json"), JSON.stringify({ name: "runtime-smoke", private: true, type: "module" }));
	execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", join(work, `${manifest.name}-${manifest.version}.tgz`)], {
		cwd: project,
		stdio: "inherit",
	});
	for (const file of ["smoke.mjs", "node-bun-deno.mjs", "worker.mjs", "workerd.capnp"]) {
		copyFileSync(join(root, "test/runtimes", file), join(project, file));
	}

	run("node", process.execPath, ["node-bun-deno.mjs"], project);
	run("bun", bin("bun"), ["run", "node-bun-deno.mjs"], project);
	run("deno", bin("deno"), ["run", "--quiet", "--no-prompt", "--node-modules-dir=manual", "node-bun-deno.mjs"], project);

	// workerd loads one module graph without node_modules resolution: bundle the worker with the packed package.
	await build({
		entryPoints: [join(project, "worker.mjs")],
		bundle: true,
		format: "esm",
		platform: "neutral",
		mainFields: ["module", "main"],
		outfile: join(project, "worker.bundle.mjs"),
		logLevel: "error",
	});
	run("workerd", bin("workerd"), ["test", "workerd.capnp"], project);
	console.log("\nruntimes: ok (node, bun, deno, workerd)");
} finally {
	rmSync(work, { recursive: true, force: true });
}
