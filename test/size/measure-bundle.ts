import { gzipSync } from "node:zlib";
import { build } from "esbuild";

export interface MeasuredBundle {
	/** The minified bundle. */
	code: string;
	/** Its size after gzip -9, in bytes. */
	gzipped: number;
}

/**
 * Bundles `contents` as an app's bundler would for the edge or the browser: tree-shaken, minified, ESM.
 * Deterministic: esbuild turns the same input into the same bytes. Shared by the size test (from src/)
 * and scripts/test-package.mjs (from the packed tarball), so both measure the same way.
 */
export async function measureBundle(contents: string, resolveDir: string): Promise<MeasuredBundle> {
	const result = await build({
		stdin: { contents, resolveDir, loader: "ts" },
		bundle: true,
		minify: true,
		format: "esm",
		platform: "neutral",
		mainFields: ["module", "main"],
		write: false,
		logLevel: "error",
	});
	const bytes = result.outputFiles[0]?.contents ?? new Uint8Array();
	return { code: new TextDecoder().decode(bytes), gzipped: gzipSync(bytes, { level: 9 }).byteLength };
}
