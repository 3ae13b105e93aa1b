import { encodeBase64urlNoPadding as reference } from "@oslojs/encoding";
import fc from "fast-check";
import { expect, it } from "vitest";
import { encodeBase64urlNoPadding } from "../../src/internal/base64url.js";

it("encodes base64url without padding (RFC 4648 §5 test vectors)", () => {
	const vectors: [string, string][] = [
		["", ""],
		["f", "Zg"],
		["fo", "Zm8"],
		["foo", "Zm9v"],
		["foob", "Zm9vYg"],
		["fooba", "Zm9vYmE"],
		["foobar", "Zm9vYmFy"],
	];
	for (const [text, encoded] of vectors) {
		expect(encodeBase64urlNoPadding(new TextEncoder().encode(text))).toBe(encoded);
	}
	expect(encodeBase64urlNoPadding(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe("-_-_");
});

it("agrees with @oslojs/encoding on any bytes", () => {
	fc.assert(
		fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => encodeBase64urlNoPadding(bytes) === reference(bytes)),
		{
			numRuns: 2_000,
		},
	);
});
