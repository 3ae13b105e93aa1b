import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// Every ```ts block in README.md and docs/ must type-check against the package as users import it
// ("atlassian-3lo" and each of its entries mapped to src/). A block that is
// deliberately a fragment (a signature listing) is marked visibly with the info string ```ts fragment.
const root = fileURLToPath(new URL("../..", import.meta.url));
const outDir = join(root, ".doc-blocks", "typecheck");

function markdownFiles(directory: string): string[] {
	return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? markdownFiles(join(directory, entry.name)) : entry.name.endsWith(".md") ? [join(directory, entry.name)] : [],
	);
}

function extractBlocks() {
	const blocks: { file: string; line: number; code: string }[] = [];
	for (const file of [join(root, "README.md"), ...markdownFiles(join(root, "docs"))]) {
		const text = readFileSync(file, "utf8");
		for (const match of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
			blocks.push({ file: relative(root, file), line: text.slice(0, match.index).split("\n").length + 1, code: match[1] ?? "" });
		}
	}
	return blocks;
}

it("every ts code block in README.md and docs/ type-checks", async () => {
	const blocks = extractBlocks();
	expect(blocks.length).toBeGreaterThan(50);
	rmSync(outDir, { recursive: true, force: true });
	mkdirSync(outDir, { recursive: true });
	const names = new Map<string, string>();
	blocks.forEach((block, index) => {
		const name = `block${index}.ts`;
		names.set(name, `${block.file}:${block.line}`);
		// Each block is its own module (top-level await allowed).
		writeFileSync(join(outDir, name), `${block.code}\nexport {};\n`);
	});
	writeFileSync(
		join(outDir, "tsconfig.json"),
		JSON.stringify({
			extends: "../../tsconfig.json",
			compilerOptions: {
				noEmit: true,
				noUnusedLocals: false,
				module: "ESNext",
				target: "ES2022",
				paths: {
					"atlassian-3lo": ["../../src/index.ts"],
					"atlassian-3lo/redis": ["../../src/redis/index.ts"],
					"atlassian-3lo/postgres": ["../../src/postgres/index.ts"],
					"atlassian-3lo/testing": ["../../src/testing/index.ts"],
					"atlassian-3lo/testing/msw": ["../../src/testing/msw.ts"],
					"atlassian-3lo/node": ["../../src/node/index.ts"],
					"atlassian-3lo/store": ["../../src/store/index.ts"],
					"atlassian-3lo/otel": ["../../src/otel/index.ts"],
				},
			},
			include: ["*.ts"],
		}),
	);
	const output = await new Promise<string>((resolve) => {
		execFile(
			process.execPath,
			[join(root, "node_modules/typescript/bin/tsc"), "-p", join(outDir, "tsconfig.json")],
			{ cwd: root },
			(_error, stdout) => resolve(stdout),
		);
	});
	// Point each diagnostic at its Markdown source.
	const diagnostics = output.replace(/\.doc-blocks\/typecheck\/(block\d+\.ts)\((\d+),(\d+)\)/g, (_, name: string, line: string) => {
		const source = names.get(name) ?? name;
		const [file, start] = source.split(":");
		return `${file}:${Number(start) + Number(line) - 1}`;
	});
	expect(diagnostics).toBe("");
}, 120_000);
