const POOL_BYTES = 1024;
let pool = new Uint8Array(0);
let offset = 0;

/**
 * `length` bytes from the CSPRNG. Bytes are drawn from a pool refilled 1 KiB at a time, because
 * `crypto.getRandomValues()` costs far more per call than per byte; no byte is ever handed out twice.
 */
export function randomBytes(length: number): Uint8Array {
	if (offset + length > pool.byteLength) {
		pool = crypto.getRandomValues(new Uint8Array(Math.max(POOL_BYTES, length)));
		offset = 0;
	}
	const bytes = pool.subarray(offset, offset + length);
	offset += length;
	return bytes;
}
