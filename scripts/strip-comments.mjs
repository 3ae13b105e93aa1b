// After the builds, drops the comments from the JavaScript the package ships: the per-module ESM build
// (dist/esm), and the bundled CommonJS (dist/*.cjs) and Node ESM (dist/node) builds. The .d.ts and .d.cts files
// keep every doc comment for editors; the JavaScript that bundlers and Node read needs none. About halves the
// tarball.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { transformSync } from "esbuild";

const dist = new URL("../dist", import.meta.url).pathname;
function walk(directory) {
	for (const name of readdirSync(directory)) {
		const path = join(directory, name);
		if (statSync(path).isDirectory()) walk(path);
		else if (name.endsWith(".js") || name.endsWith(".cjs")) {
			// Without a format, esbuild keeps each file's own module syntax (require or import) as it is.
			const { code } = transformSync(readFileSync(path, "utf8"), { loader: "js", target: "es2022", legalComments: "none" });
			writeFileSync(path, code);
		}
	}
}
walk(dist);
