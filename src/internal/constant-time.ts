/**
 * Whether two byte arrays of equal length are equal, in time that depends only on their length: every byte is
 * compared, and differences are folded together without an early exit. Lengths are not secret here (a state has
 * a fixed length); unequal lengths are `false` at once.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
	if (a.byteLength !== b.byteLength) {
		return false;
	}
	let difference = 0;
	for (let index = 0; index < a.byteLength; index++) {
		difference |= (a[index] as number) ^ (b[index] as number);
	}
	return difference === 0;
}
