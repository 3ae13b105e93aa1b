import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// Every symbol an entry point exports has its page under docs/reference/, and no page outlives its symbol.
const root = fileURLToPath(new URL("../..", import.meta.url));

function exportedNames(file: string): string[] {
	const source = readFileSync(join(root, file), "utf8");
	return [...source.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((match) =>
		(match[1] ?? "")
			.split(",")
			.map((name) => name.trim().replace(/^type /, ""))
			.filter(Boolean),
	);
}

function pages(directory: string): string[] {
	return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? pages(join(directory, entry.name)) : [entry.name.replace(/\.md$/, "")],
	);
}

it("documents every exported symbol on its own reference page", () => {
	// A class re-exported by a second entry (CorruptTokenRecordError) has one page.
	const exported = [
		...new Set(
			[
				"src/index.ts",
				"src/node/index.ts",
				"src/store/index.ts",
				"src/otel/index.ts",
				"src/redis/index.ts",
				"src/postgres/index.ts",
				"src/testing/index.ts",
				"src/testing/msw.ts",
			].flatMap(exportedNames),
		),
	].sort();
	expect(exported.length).toBeGreaterThan(60);
	expect(pages(join(root, "docs/reference")).sort()).toEqual(exported);
});
