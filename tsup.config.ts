import { defineConfig } from "tsup";

// The CommonJS build, bundled per entry point. The ESM build is tsc's per-module output (tsconfig.build.json):
// a single bundled ESM file would make every consumer import @oslojs/crypto's SHA-2 modules, whose
// top-level code no bundler can drop, even for an app that never uses PKCE.
export default defineConfig({
	entry: {
		index: "src/index.ts",
		redis: "src/redis/index.ts",
		postgres: "src/postgres/index.ts",
		testing: "src/testing/index.ts",
		"testing-msw": "src/testing/msw.ts",
	},
	format: "cjs",
	dts: true,
	clean: true,
	target: "es2022",
	platform: "neutral",
	// @oslojs/* ship ESM only; the CommonJS build inlines them so `require()` works on every Node >= 18.
	noExternal: [/^@oslojs\//],
	treeshake: true,
});
