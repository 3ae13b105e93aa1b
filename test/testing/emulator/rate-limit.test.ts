import { expect, it } from "vitest";
import { EmulatorClock } from "../../../src/testing/emulator/clock.js";
import { GatewayRateLimiter } from "../../../src/testing/emulator/rate-limit.js";

it("admits `limit` requests per window with Atlassian's headers, then answers 429 until the window ends", async () => {
	const clock = new EmulatorClock(() => Date.UTC(2026, 0, 1, 12, 0, 0));
	const limiter = new GatewayRateLimiter(clock, { limit: 2, windowSeconds: 60 });
	expect(limiter.admit()).toEqual({ "X-RateLimit-Limit": "2", "X-RateLimit-Remaining": "1", "X-RateLimit-Reset": "2026-01-01T12:01Z" });
	expect(limiter.admit()).toMatchObject({ "X-RateLimit-Remaining": "0" });
	clock.advance(20_000);
	const limited = limiter.admit();
	expect(limited).toBeInstanceOf(Response);
	const response = limited as Response;
	expect(response.status).toBe(429);
	expect(response.headers.get("retry-after")).toBe("40");
	expect(response.headers.get("ratelimit-reason")).toBe("jira-burst-based");
	clock.advance(40_000);
	expect(limiter.admit()).toMatchObject({ "X-RateLimit-Remaining": "1" });
});

it("without a limit admits everything with no headers; set() starts a new window", () => {
	const clock = new EmulatorClock(() => 0);
	const limiter = new GatewayRateLimiter(clock, null);
	expect(limiter.admit()).toEqual({});
	limiter.set({ limit: 1, windowSeconds: 1, reason: "jira-quota-global-based" });
	limiter.admit();
	expect((limiter.admit() as Response).headers.get("ratelimit-reason")).toBe("jira-quota-global-based");
	limiter.set(null);
	expect(limiter.admit()).toEqual({});
});
