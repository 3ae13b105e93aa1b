const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * base64url without padding (RFC 4648 §5), for states, code verifiers and challenges. Our own, because it
 * is all the sign-in path needs of an encoding library, and a library's whole module would weigh it down.
 */
export function encodeBase64urlNoPadding(bytes: Uint8Array): string {
	let text = "";
	for (let index = 0; index < bytes.length; index += 3) {
		const rest = bytes.length - index;
		const triple = ((bytes[index] as number) << 16) | ((bytes[index + 1] ?? 0) << 8) | (bytes[index + 2] ?? 0);
		text += ALPHABET[triple >> 18] + (ALPHABET[(triple >> 12) & 63] as string);
		if (rest > 1) text += ALPHABET[(triple >> 6) & 63];
		if (rest > 2) text += ALPHABET[triple & 63];
	}
	return text;
}
