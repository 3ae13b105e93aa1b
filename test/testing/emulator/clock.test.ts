import { expect, it } from "vitest";
import { EmulatorClock } from "../../../src/testing/emulator/clock.js";

it("is the given clock plus however far it was moved forward", () => {
	let base = 1_000;
	const clock = new EmulatorClock(() => base);
	expect(clock.now()).toBe(1_000);
	clock.advance(500);
	base = 2_000;
	expect(clock.now()).toBe(2_500);
	clock.advance(1);
	expect(clock.now()).toBe(2_501);
});
