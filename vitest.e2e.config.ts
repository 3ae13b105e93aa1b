import { defineConfig } from "vitest/config";

// Browser tests: Debian's Chromium driven by playwright-core. Run with `npm run test:e2e`.
export default defineConfig({
	test: {
		include: ["test/e2e/**/*.e2e.ts"],
		testTimeout: 60_000,
		hookTimeout: 60_000,
		fileParallelism: false,
	},
});
