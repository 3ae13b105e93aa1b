import { hasRedisServer } from "./redis-server.js";

const MISSING =
	"redis-server is not installed, so the Redis suites (test/redis/, test/soak/) are SKIPPED. Install it: apt-get install -y redis-server";

/** Runs once per `vitest run`: the one loud line for a machine without redis-server, or a failure where it is required (CI). */
export default function checkRedisServer(): void {
	if (hasRedisServer()) return;
	if (process.env.REQUIRE_REDIS_SERVER === "1") {
		throw new Error(`${MISSING} (REQUIRE_REDIS_SERVER=1 makes this a failure)`);
	}
	console.warn(`\n*** ${MISSING} ***\n`);
}
