import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** Bundles a TypeScript worker script into one ESM file that `fork()` can run as a separate OS process. */
export async function bundleWorker(entry: URL): Promise<string> {
	const outfile = join(tmpdir(), `atlassian-3lo-${basename(entry.pathname, ".ts")}-${process.pid}.mjs`);
	await build({
		entryPoints: [fileURLToPath(entry)],
		bundle: true,
		platform: "node",
		format: "esm",
		target: "node18",
		outfile,
		logLevel: "error",
		banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
	});
	return outfile;
}
