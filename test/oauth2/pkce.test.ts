import { describe, expect, it } from "vitest";
import { CodeChallengeMethod, generateCodeVerifier, generateState, OAuth2Client } from "../../src/index.js";

describe("generateState / generateCodeVerifier", () => {
	it("returns 43 base64url characters from 32 random bytes", () => {
		for (const generate of [generateState, generateCodeVerifier]) {
			const value = generate();
			expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
			expect(generate()).not.toBe(value);
		}
	});
});

describe("PKCE", () => {
	// RFC 7636 Appendix B.
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

	it("derives the S256 challenge of RFC 7636 Appendix B", () => {
		const client = new OAuth2Client("id", null, "https://app.example/callback");
		const url = client.createAuthorizationURLWithPKCE("https://idp.example/authorize", "s", CodeChallengeMethod.S256, verifier, ["a"]);
		expect(url.searchParams.get("code_challenge_method")).toBe("S256");
		expect(url.searchParams.get("code_challenge")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	});

	it("sends the verifier itself for the plain method", () => {
		const client = new OAuth2Client("id", null, null);
		const url = client.createAuthorizationURLWithPKCE("https://idp.example/authorize", "s", CodeChallengeMethod.Plain, verifier, []);
		expect(url.searchParams.get("code_challenge_method")).toBe("plain");
		expect(url.searchParams.get("code_challenge")).toBe(verifier);
		expect(url.searchParams.has("redirect_uri")).toBe(false);
		expect(url.searchParams.has("scope")).toBe(false);
	});
});

describe("random pool", () => {
	it("never hands out the same bytes twice across pool refills", () => {
		const seen = new Set<string>();
		for (let i = 0; i < 200; i++) seen.add(generateState());
		expect(seen.size).toBe(200);
	});
});
