// Tools that only `test:runtimes` (bun, deno, workerd) and `test:package` (attw) need: 360 MB that `npm install`
// in a clone no longer brings. They are installed here on first use, into .on-demand/ (ignored by git), exactly as
// pinned by scripts/on-demand/package-lock.json, and again only when that lockfile changes.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const pinned = join(root, "scripts/on-demand");
const target = join(root, ".on-demand");

/** The path of an on-demand tool's binary, installing the pinned set first if needed. */
export function onDemandBin(name) {
	const lock = readFileSync(join(pinned, "package-lock.json"), "utf8");
	const stamp = join(target, "installed-lock.json");
	if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== lock) {
		mkdirSync(target, { recursive: true });
		copyFileSync(join(pinned, "package.json"), join(target, "package.json"));
		copyFileSync(join(pinned, "package-lock.json"), join(target, "package-lock.json"));
		console.log("[on-demand] installing the pinned bun, deno, workerd and attw into .on-demand/ (once)");
		// bun's, deno's and workerd's install scripts link the binary their platform package (an optional dependency) ships.
		execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: target, stdio: "inherit" });
		writeFileSync(stamp, lock);
	}
	return join(target, "node_modules/.bin", name);
}
