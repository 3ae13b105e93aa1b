import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// npm shows the README of the tarball: a relative link must point at a file the tarball ships.
const root = fileURLToPath(new URL("../..", import.meta.url));

it("every relative link in the README resolves in the packed tarball, and package.json says where the project lives", () => {
	const [pack] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" })) as [
		{ files: { path: string }[] },
	];
	const shipped = pack.files.map((file) => file.path);
	const readme = readFileSync(`${root}/README.md`, "utf8");
	const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
		.map((match) => match[1] ?? "")
		.filter((link) => !/^[a-z]+:/i.test(link) && !link.startsWith("#"));
	expect(links.length).toBeGreaterThan(5);
	const missing = links.filter((link) => {
		const path = link.split("#")[0] ?? "";
		return path.endsWith("/") ? !shipped.some((file) => file.startsWith(path)) : !shipped.includes(path);
	});
	expect(missing).toEqual([]);
	const manifest = JSON.parse(readFileSync(`${root}/package.json`, "utf8"));
	expect(manifest.repository?.url).toMatch(/^git\+https:\/\//);
	expect(manifest.homepage).toMatch(/^https:\/\//);
	expect(manifest.bugs?.url).toMatch(/^https:\/\//);
});
