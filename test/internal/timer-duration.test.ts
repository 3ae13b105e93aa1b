import { expect, it } from "vitest";
import { checkTimerDuration, MAX_TIMER_MS } from "../../src/internal/timer-duration.js";

it("accepts what timers honour and names the option otherwise", () => {
	expect(checkTimerDuration("timeoutMs", 1)).toBe(1);
	expect(checkTimerDuration("timeoutMs", MAX_TIMER_MS)).toBe(MAX_TIMER_MS);
	expect(checkTimerDuration("waitMs", 0, 0)).toBe(0);
	expect(() => checkTimerDuration("timeoutMs", 0)).toThrow("timeoutMs must be from 1 to 2147483647 ms, got 0");
	expect(() => checkTimerDuration("timeoutMs", MAX_TIMER_MS + 1)).toThrow(TypeError);
	expect(() => checkTimerDuration("timeoutMs", Number.POSITIVE_INFINITY)).toThrow(TypeError);
	expect(() => checkTimerDuration("timeoutMs", Number.NaN)).toThrow(TypeError);
	expect(() => checkTimerDuration("timeoutMs", "5" as unknown as number)).toThrow(TypeError);
});
