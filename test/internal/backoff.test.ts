import { describe, expect, it, vi } from "vitest";
import { backoff } from "../../src/internal/backoff.js";

describe("backoff", () => {
	it("multiplies each delay up to its cap", () => {
		const delays = backoff({ firstMs: 25, maxMs: 500 });
		expect(Array.from({ length: 7 }, () => delays.next().value)).toEqual([25, 50, 100, 200, 400, 500, 500]);
	});

	it("ends after `attempts` delays, with the factor asked for", () => {
		expect([...backoff({ firstMs: 250, factor: 4, maxMs: 4_000, attempts: 3 })]).toEqual([250, 1_000, 4_000]);
		expect([...backoff({ firstMs: 250, maxMs: 4_000, attempts: 0 })]).toEqual([]);
	});

	it("with jitter, draws each delay from the upper half of its step", () => {
		const random = vi.spyOn(Math, "random");
		try {
			random.mockReturnValue(0);
			expect([...backoff({ firstMs: 100, maxMs: 400, jitter: true, attempts: 4 })]).toEqual([50, 100, 200, 200]);
			random.mockReturnValue(0.999_999);
			const top = [...backoff({ firstMs: 100, maxMs: 400, jitter: true, attempts: 2 })];
			expect(top[0]).toBeCloseTo(100, 3);
			expect(top[1]).toBeCloseTo(200, 3);
		} finally {
			random.mockRestore();
		}
	});
});
