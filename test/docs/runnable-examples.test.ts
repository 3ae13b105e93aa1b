import { execFile } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

// These pages' examples are not just type-checked: each one runs, as written, against the library
// (imports mapped to src/), and must exit cleanly. They need no network: the testing guide runs the
// emulator, and the TokenManager example saves a token before it reads it.
const root = fileURLToPath(new URL("../..", import.meta.url));
const outDir = join(root, ".doc-blocks", "runnable");
const pages = ["docs/guides/testing.md", "docs/reference/TokenManager.md"];

function examplesOf(page: string): string[] {
	const text = readFileSync(join(root, page), "utf8");
	return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? "");
}

async function run(page: string, index: number, code: string) {
	mkdirSync(outDir, { recursive: true });
	const outfile = join(outDir, `${page.replace(/\W+/g, "-")}-${index}.mjs`);
	await build({
		stdin: { contents: code, resolveDir: root, loader: "ts", sourcefile: `${page} example ${index}` },
		bundle: true,
		format: "esm",
		platform: "node",
		target: "node20",
		packages: "external",
		alias: {
			"atlassian-3lo/testing/msw": "./src/testing/msw.ts",
			"atlassian-3lo/testing": "./src/testing/index.ts",
			"atlassian-3lo/node": "./src/node/index.ts",
			"atlassian-3lo/store": "./src/store/index.ts",
			"atlassian-3lo/otel": "./src/otel/index.ts",
			"atlassian-3lo/redis": "./src/redis/index.ts",
			"atlassian-3lo/postgres": "./src/postgres/index.ts",
			"atlassian-3lo": "./src/index.ts",
		},
		outfile,
		logLevel: "error",
	});
	return new Promise<{ code: number | null; output: string }>((resolve) => {
		const child = execFile(process.execPath, [outfile], { cwd: root, timeout: 30_000 }, (_error, stdout, stderr) =>
			resolve({ code: child.exitCode, output: `${stdout}${stderr}` }),
		);
	});
}

describe.each(pages)("%s", (page) => {
	const examples = examplesOf(page);

	it("has examples", () => {
		expect(examples.length).toBeGreaterThanOrEqual(1);
	});

	it.each(examples.map((code, index) => [index + 1, code] as const))(
		"example %i runs",
		async (index, code) => {
			const { code: exitCode, output } = await run(page, index, code);
			expect(output).not.toMatch(/Error/);
			expect(exitCode).toBe(0);
		},
		60_000,
	);
});
