import { encodeBase64urlNoPadding } from "../internal/base64url.js";
import { randomBytes } from "../internal/random.js";

/** 32 random bytes, base64url without padding (43 characters). Store it, then compare it on the callback. */
export function generateState(): string {
	return encodeBase64urlNoPadding(randomBytes(32));
}
