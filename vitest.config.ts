import { spawnSync } from "node:child_process";
import { defineConfig } from "vitest/config";

// Without redis-server the Redis suites skip (one loud line from the global setup), so the Redis store
// is left out of the coverage gate too; CI sets REQUIRE_REDIS_SERVER=1 and always runs them.
const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;

export default defineConfig({
	test: {
		include: ["test/**/*.test.ts"],
		// The long soaks run in `npm run test:soak` (vitest.soak.config.ts), which CI runs too.
		exclude: ["test/soak/**", "**/node_modules/**"],
		testTimeout: 20_000,
		globalSetup: ["test/support/global-setup.ts"],
		// One file at a time: the Redis suites time real servers (leases, Sentinel's down-after), and on a
		// 2-core machine a soak in the next worker would turn their timing into noise.
		fileParallelism: false,
		coverage: {
			provider: "v8",
			include: ["src/**/*.ts"],
			// Entry points only re-export; v8 attributes no executable lines to them.
			exclude: ["src/**/index.ts", "src/testing/msw.ts", ...(hasRedisServer ? [] : ["src/redis/**"])],
			thresholds: { lines: 95, branches: 90 },
		},
	},
});
