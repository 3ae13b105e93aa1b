/** The longest connection key any store takes, in UTF-8 bytes: Postgres' NOTIFY payload and Redis key sizes stay far from their limits. */
export const MAX_TOKEN_KEY_BYTES = 1024;

// A lone surrogate: Redis and Postgres store UTF-8, where both become U+FFFD, so two different keys would read one record.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The one rule for a connection key, the same in every store: a non-empty, well-formed UTF-16 string (no lone
 * surrogate), without NUL, of at most 1 024 UTF-8 bytes. Throws a `TypeError` naming the rule otherwise. Every
 * store this package ships checks it on every call, so a key that works on one store works on all of them.
 */
export function checkTokenKey(key: string): void {
	if (typeof key !== "string" || key === "") {
		throw new TypeError(`A connection key must be a non-empty string, got ${typeof key === "string" ? '""' : typeof key}`);
	}
	// Each UTF-16 code unit is at most 3 UTF-8 bytes: only long keys need counting.
	if (key.length > MAX_TOKEN_KEY_BYTES / 3 && new TextEncoder().encode(key).byteLength > MAX_TOKEN_KEY_BYTES) {
		throw new TypeError(`A connection key must be at most ${MAX_TOKEN_KEY_BYTES} UTF-8 bytes long, got one of ${key.length} characters`);
	}
	if (key.includes("\u0000")) {
		throw new TypeError("A connection key must not contain NUL (U+0000): Postgres cannot store it");
	}
	const { isWellFormed } = key as { isWellFormed?: () => boolean };
	if (typeof isWellFormed === "function" ? !isWellFormed.call(key) : LONE_SURROGATE.test(key)) {
		throw new TypeError(
			"A connection key must be well-formed UTF-16 (String.prototype.isWellFormed): a lone surrogate becomes U+FFFD in Redis and Postgres, where two keys would share one record",
		);
	}
}
