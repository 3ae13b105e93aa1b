import { defineConfig } from "vitest/config";

// The long runs on real servers (a 60 s fault soak, a Sentinel failover under load): `npm run test:soak`. CI runs
// them after `npm test`, which stays under 3 minutes without them.
export default defineConfig({
	test: {
		include: ["test/soak/**/*.test.ts"],
		testTimeout: 20_000,
		globalSetup: ["test/support/global-setup.ts"],
		fileParallelism: false,
	},
});
