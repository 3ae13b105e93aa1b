import { readdirSync, readFileSync } from "node:fs";
import { expect, it } from "vitest";

// Each recipe page shows its example file exactly (with the package's own import path), so the code a reader
// copies is the code test/examples/recipes.test.ts runs.
const root = new URL("../..", import.meta.url);
const pages = readdirSync(new URL("docs/recipes/", root)).filter((file) => file.endsWith(".md"));

it("has a recipe page per example", () => {
	// run-example.ts is what runs each recipe on its own, not a recipe.
	const examples = readdirSync(new URL("examples/", root)).filter((file) => file.endsWith(".ts") && file !== "run-example.ts");
	expect(pages.map((page) => page.replace(/\.md$/, "")).sort()).toEqual(examples.map((file) => file.replace(/\.ts$/, "")).sort());
});

it.each(pages)("docs/recipes/%s shows its example as it runs", (page) => {
	const markdown = readFileSync(new URL(`docs/recipes/${page}`, root), "utf8");
	const block = /^```ts\n([\s\S]*?)^```$/m.exec(markdown)?.[1];
	const file = readFileSync(new URL(`examples/${page.replace(/\.md$/, ".ts")}`, root), "utf8");
	// The page shows the recipe; the lines that run it on its own (`npx tsx examples/…`) follow a marker, and are left out.
	const example = file.slice(0, file.indexOf("\n\n// Below: `npx tsx examples/") + 1);
	expect(example.length).toBeGreaterThan(100);
	const asPublished = example
		.replace('"../src/index.js"', '"atlassian-3lo"')
		.replace(/"\.\.\/src\/([a-z]+)\/index\.js"/g, '"atlassian-3lo/$1"');
	expect(block).toBe(asPublished);
});
