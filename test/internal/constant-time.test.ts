import { expect, it } from "vitest";
import { constantTimeEqual } from "../../src/internal/constant-time.js";

const bytes = (text: string) => new TextEncoder().encode(text);

it("is true only for equal bytes of equal length", () => {
	expect(constantTimeEqual(bytes("state-123"), bytes("state-123"))).toBe(true);
	expect(constantTimeEqual(bytes(""), bytes(""))).toBe(true);
	expect(constantTimeEqual(bytes("state-123"), bytes("state-124"))).toBe(false);
	expect(constantTimeEqual(bytes("xtate-123"), bytes("state-123"))).toBe(false);
	expect(constantTimeEqual(bytes("state-12"), bytes("state-123"))).toBe(false);
});

it("compares every byte: a difference anywhere, even in the high bits of the last, is found", () => {
	for (let position = 0; position < 32; position++) {
		for (const bit of [1, 2, 64, 128]) {
			const a = new Uint8Array(32).fill(7);
			const b = a.slice();
			b[position] = (b[position] as number) ^ bit;
			expect(constantTimeEqual(a, b)).toBe(false);
		}
	}
});
