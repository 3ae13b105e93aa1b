import { encodeBase64urlNoPadding } from "@oslojs/encoding";

/** 32 random bytes, base64url without padding (43 characters). Store it, then compare it on the callback. */
export function generateState(): string {
	return encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(32)));
}
