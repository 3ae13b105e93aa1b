import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// npm shows the README of the tarball, which ships no docs (they live in the repository, so the package stays
// small): every link into the project points at the repository, and at a file that exists in it.
const root = fileURLToPath(new URL("../..", import.meta.url));
const REPOSITORY = "https://github.com/atlassian-3lo/atlassian-3lo/";
const RAW = "https://raw.githubusercontent.com/atlassian-3lo/atlassian-3lo/main/";

it("every link of the README into the project names a file of the repository, and package.json says where it lives", () => {
	const readme = readFileSync(`${root}/README.md`, "utf8");
	const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? "");
	const relative = links.filter((link) => !/^[a-z]+:/i.test(link) && !link.startsWith("#"));
	// A relative link would point into the tarball, which does not ship docs/.
	expect(relative).toEqual([]);
	const project = links.flatMap((link) => {
		for (const prefix of [`${REPOSITORY}blob/main/`, `${REPOSITORY}tree/main/`, RAW]) {
			if (link.startsWith(prefix)) return [(link.slice(prefix.length).split("#")[0] ?? "").replace(/\/$/, "")];
		}
		return [];
	});
	expect(project.length).toBeGreaterThan(10);
	expect(project.filter((path) => !existsSync(`${root}/${path}`))).toEqual([]);
	const manifest = JSON.parse(readFileSync(`${root}/package.json`, "utf8"));
	expect(manifest.repository?.url).toBe(`git+${REPOSITORY.slice(0, -1)}.git`);
	expect(manifest.homepage).toMatch(/^https:\/\//);
	expect(manifest.bugs?.url).toMatch(/^https:\/\//);
});
