import { encodeBase64urlNoPadding } from "../internal/base64url.js";
import { randomBytes } from "../internal/random.js";
import { sha256 } from "../internal/sha256.js";

/** RFC 7636 code challenge methods. */
export enum CodeChallengeMethod {
	S256 = 0,
	Plain = 1,
}

/** A PKCE code verifier: 32 random bytes, base64url without padding (43 characters, RFC 7636 §4.1). */
export function generateCodeVerifier(): string {
	return encodeBase64urlNoPadding(randomBytes(32));
}

export function createCodeChallenge(method: CodeChallengeMethod, codeVerifier: string): string {
	if (method === CodeChallengeMethod.Plain) {
		return codeVerifier;
	}
	return encodeBase64urlNoPadding(sha256(new TextEncoder().encode(codeVerifier)));
}
