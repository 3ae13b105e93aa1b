import { defineConfig } from "vitest/config";

export default defineConfig({
	test: {
		include: ["test/**/*.test.ts"],
		testTimeout: 20_000,
		coverage: {
			provider: "v8",
			include: ["src/**/*.ts"],
			// Entry points only re-export; v8 attributes no executable lines to them.
			exclude: ["src/**/index.ts"],
			thresholds: { lines: 95, branches: 90 },
		},
	},
});
