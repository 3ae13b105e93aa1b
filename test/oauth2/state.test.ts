import { expect, it } from "vitest";
import { generateState } from "../../src/oauth2/state.js";

it("is 32 random bytes in base64url without padding: 43 characters, never the same twice", () => {
	const states = new Set(Array.from({ length: 100 }, () => generateState()));
	expect(states.size).toBe(100);
	for (const state of states) expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
});
