// After tsc's per-module ESM build (dist/esm), drops the comments from its .js files: the .d.ts files keep every
// doc comment for editors, and the JavaScript a bundler reads needs none. Halves what the tarball ships for it.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { transformSync } from "esbuild";

const root = new URL("../dist/esm", import.meta.url).pathname;
function walk(directory) {
	for (const name of readdirSync(directory)) {
		const path = join(directory, name);
		if (statSync(path).isDirectory()) walk(path);
		else if (name.endsWith(".js")) {
			const { code } = transformSync(readFileSync(path, "utf8"), { loader: "js", format: "esm", target: "es2022", legalComments: "none" });
			writeFileSync(path, code);
		}
	}
}
walk(root);
