import { expect, it } from "vitest";
import { randomBytes } from "../../src/internal/random.js";

it("hands out fresh bytes of the length asked for, never the same bytes twice, across pool refills", () => {
	const seen = new Set<string>();
	for (let i = 0; i < 200; i++) {
		const bytes = randomBytes(32);
		expect(bytes.byteLength).toBe(32);
		seen.add(Buffer.from(bytes).toString("hex"));
	}
	expect(seen.size).toBe(200);
	// Larger than the pool: still served whole.
	expect(randomBytes(4096).byteLength).toBe(4096);
});

it("does not hand out a view that a later call overwrites", () => {
	const first = Buffer.from(randomBytes(16)).toString("hex");
	const held = randomBytes(16);
	const copy = Buffer.from(held).toString("hex");
	for (let i = 0; i < 100; i++) randomBytes(64);
	expect(Buffer.from(held).toString("hex")).toBe(copy);
	expect(copy).not.toBe(first);
});
