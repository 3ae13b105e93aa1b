import { execFile } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

// The testing guide's examples are not just type-checked: each one runs, as written, against the
// library (imports mapped to src/), and must exit cleanly.
const root = fileURLToPath(new URL("../..", import.meta.url));
const guide = readFileSync(join(root, "docs/guides/testing.md"), "utf8");
const examples = [...guide.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? "");
const outDir = join(root, ".doc-blocks", "testing-guide");

describe("docs/guides/testing.md", () => {
	it("has examples", () => {
		expect(examples.length).toBeGreaterThanOrEqual(3);
	});

	it.each(examples.map((code, index) => [index + 1, code] as const))(
		"example %i runs",
		async (index, code) => {
			mkdirSync(outDir, { recursive: true });
			const outfile = join(outDir, `example${index}.mjs`);
			await build({
				stdin: { contents: code, resolveDir: root, loader: "ts", sourcefile: `docs/guides/testing.md example ${index}` },
				bundle: true,
				format: "esm",
				platform: "node",
				target: "node20",
				packages: "external",
				alias: {
					"atlassian-3lo/testing/msw": "./src/testing/msw.ts",
					"atlassian-3lo/testing": "./src/testing/index.ts",
					"atlassian-3lo": "./src/index.ts",
				},
				outfile,
				logLevel: "error",
			});
			const { code: exitCode, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
				const child = execFile(process.execPath, [outfile], { cwd: root, timeout: 30_000 }, (_error, stdout, stderr) =>
					resolve({ code: child.exitCode, output: `${stdout}${stderr}` }),
				);
			});
			expect(output).not.toMatch(/Error/);
			expect(exitCode).toBe(0);
		},
		60_000,
	);
});
