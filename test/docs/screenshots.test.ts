import { readFileSync } from "node:fs";
import { expect, it } from "vitest";

// The Chromium e2e run (npm run test:e2e) writes these from the running demo; they are committed, and the README shows two.
const root = new URL("../..", import.meta.url);
const IMAGES = ["home", "consent", "signed-in", "lifecycle", "connections"];
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

it.each(IMAGES)("docs/images/%s.png is committed and is a PNG of a real page", (name) => {
	const bytes = readFileSync(new URL(`docs/images/${name}.png`, root));
	expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
	// Width and height from the IHDR chunk: a screenshot, not a placeholder.
	expect(bytes.readUInt32BE(16)).toBeGreaterThanOrEqual(300);
	expect(bytes.readUInt32BE(20)).toBeGreaterThanOrEqual(200);
});

it("the README shows two of them, from the repository (the tarball does not ship them)", () => {
	const readme = readFileSync(new URL("README.md", root), "utf8");
	const shown = IMAGES.filter((name) =>
		readme.includes(`](https://raw.githubusercontent.com/atlassian-3lo/atlassian-3lo/main/docs/images/${name}.png)`),
	);
	expect(shown.length).toBeGreaterThanOrEqual(2);
});
