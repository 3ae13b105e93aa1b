import { defineConfig } from "vitest/config";

// The fast loop while working on one module: `npm run test:unit` (or `npm run test:unit -- test/oauth2`). No
// redis-server, no PostgreSQL, no worker processes: those suites run in `npm test`.
export default defineConfig({
	test: {
		include: ["test/**/*.test.ts"],
		exclude: [
			"**/node_modules/**",
			"test/redis/**",
			"test/postgres/**",
			"test/soak/**",
			"test/scenarios/**",
			"test/support/**",
			"test/demo/**",
			"test/store/token-store-conformance.test.ts",
			// Docs compile and run, and the bundle is measured, in `npm test`.
			"test/docs/**",
			"test/size/**",
		],
		testTimeout: 20_000,
	},
});
