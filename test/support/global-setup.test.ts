import { afterEach, expect, it, vi } from "vitest";
import checkRedisServer from "./global-setup.js";

// npm test on a machine without redis-server: one loud line, or a failure where CI requires the Redis suites.
const path = process.env.PATH;
const required = process.env.REQUIRE_REDIS_SERVER;

afterEach(() => {
	process.env.PATH = path;
	if (required === undefined) delete process.env.REQUIRE_REDIS_SERVER;
	else process.env.REQUIRE_REDIS_SERVER = required;
	vi.restoreAllMocks();
});

it("without redis-server on the PATH, prints one line naming the install command", () => {
	process.env.PATH = "/nonexistent";
	delete process.env.REQUIRE_REDIS_SERVER;
	const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
	checkRedisServer();
	expect(warn).toHaveBeenCalledOnce();
	expect(String(warn.mock.calls[0]?.[0]).trim().split("\n")).toHaveLength(1);
	expect(warn.mock.calls[0]?.[0]).toMatch(/SKIPPED.*apt-get install -y redis-server/);
});

it("with REQUIRE_REDIS_SERVER=1 (as .ci/run sets it), the missing server is a failure", () => {
	process.env.PATH = "/nonexistent";
	process.env.REQUIRE_REDIS_SERVER = "1";
	expect(() => checkRedisServer()).toThrow(/REQUIRE_REDIS_SERVER=1/);
});
