import { createHash } from "node:crypto";
import fc from "fast-check";
import { expect, it } from "vitest";
import { CodeChallengeMethod } from "../../src/index.js";
import { sha256 } from "../../src/internal/sha256.js";
import { createCodeChallenge } from "../../src/oauth2/pkce.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const text = (value: string) => new TextEncoder().encode(value);

it("matches the FIPS 180-4 test vectors", () => {
	expect(hex(sha256(text("")))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expect(hex(sha256(text("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	expect(hex(sha256(text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))).toBe(
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	);
	expect(hex(sha256(text("a".repeat(1_000_000))))).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
});

it("gives the RFC 7636 appendix B code challenge", () => {
	expect(createCodeChallenge(CodeChallengeMethod.S256, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
		"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
	);
});

it("agrees with node:crypto on any input, across the 55/56/64-byte padding boundaries", () => {
	fc.assert(
		fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
			expect(hex(sha256(bytes))).toBe(createHash("sha256").update(bytes).digest("hex"));
		}),
		{ numRuns: 2_000 },
	);
	for (let length = 50; length < 140; length++) {
		const bytes = new Uint8Array(length).fill(length);
		expect(hex(sha256(bytes))).toBe(createHash("sha256").update(bytes).digest("hex"));
	}
});
