import { defineConfig } from "tsup";

const entry = { index: "src/index.ts", redis: "src/redis/index.ts", testing: "src/testing/index.ts" };

export default defineConfig([
	{
		entry,
		format: "esm",
		dts: true,
		clean: true,
		target: "es2022",
		platform: "neutral",
		treeshake: true,
	},
	{
		// @oslojs/* ship ESM only; the CommonJS build inlines them so `require()` works on every Node >= 18.
		entry,
		format: "cjs",
		dts: true,
		target: "es2022",
		platform: "neutral",
		noExternal: [/^@oslojs\//],
		treeshake: true,
	},
]);
