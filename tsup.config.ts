import { defineConfig } from "tsup";

const entry = {
	index: "src/index.ts",
	redis: "src/redis/index.ts",
	postgres: "src/postgres/index.ts",
	testing: "src/testing/index.ts",
	"testing-msw": "src/testing/msw.ts",
	node: "src/node/index.ts",
	store: "src/store/index.ts",
	otel: "src/otel/index.ts",
};

// Two bundled builds; the per-module ESM build for bundlers is tsc's (tsconfig.build.json), where a consumer's
// bundler drops whole modules an app does not use (a single bundled file would keep @oslojs' top-level code).
export default defineConfig([
	{
		// CommonJS, for require(). Split, so that the entry points share one copy of each module (and of each
		// error class) instead of each carrying its own.
		entry,
		format: "cjs",
		splitting: true,
		dts: true,
		target: "es2022",
		platform: "neutral",
		// @oslojs/* ship ESM only; the CommonJS build inlines them so `require()` works on every Node >= 18.
		noExternal: [/^@oslojs\//],
		treeshake: true,
	},
	{
		// ESM for Node (the "node" export condition): a few files instead of one per module, because Node pays for
		// every file it loads. Split the same way: one copy of each error class across entry points.
		entry,
		format: "esm",
		outDir: "dist/node",
		splitting: true,
		dts: false,
		target: "es2022",
		platform: "node",
		noExternal: [/^@oslojs\//],
		treeshake: true,
	},
]);
