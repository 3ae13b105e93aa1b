import { expect, it } from "vitest";
import { checkTokenKey } from "../../src/store/index.js";
import { MAX_TOKEN_KEY_BYTES } from "../../src/tokens/token-key.js";

it("accepts a non-empty, well-formed key up to 1 024 UTF-8 bytes, emoji and all", () => {
	for (const key of ["user-1", "tenant:42/user@example.com", "ü".repeat(512), "😀", "k".repeat(MAX_TOKEN_KEY_BYTES)]) {
		expect(() => checkTokenKey(key), key.slice(0, 20)).not.toThrow();
	}
});

it.each([
	["empty", "", /non-empty string/],
	["not a string", 42 as unknown as string, /non-empty string, got number/],
	["over 1 024 UTF-8 bytes", "ü".repeat(513), /at most 1024 UTF-8 bytes/],
	["NUL", "a\u0000b", /must not contain NUL/],
	["a lone high surrogate", "a\uD800b", /well-formed UTF-16/],
	["a lone low surrogate", "\uDC00", /well-formed UTF-16/],
])("refuses a key that is %s with a TypeError naming the rule", (_, key, message) => {
	expect(() => checkTokenKey(key)).toThrow(TypeError);
	expect(() => checkTokenKey(key)).toThrow(message);
});
