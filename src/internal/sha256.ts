/**
 * SHA-256 (FIPS 180-4), synchronous, for PKCE's S256 code challenge. Small on purpose: `Atlassian` carries it in
 * every sign-in bundle, and @oslojs/crypto's SHA-2 module brought SHA-224/384/512 along, which no bundler can drop.
 * The constants are the first 32 bits of the fractional parts of the square roots (initial hash) and cube roots
 * (round constants) of the first primes, computed once.
 */
let roundConstants: Int32Array | undefined;
let initialHash: Int32Array | undefined;

function fractionBits(value: number): number {
	return ((value - Math.floor(value)) * 0x100000000) | 0;
}

function constants(): [Int32Array, Int32Array] {
	if (roundConstants === undefined || initialHash === undefined) {
		roundConstants = new Int32Array(64);
		initialHash = new Int32Array(8);
		for (let candidate = 2, found = 0; found < 64; candidate++) {
			let prime = true;
			for (let divisor = 2; divisor * divisor <= candidate; divisor++) prime &&= candidate % divisor !== 0;
			if (!prime) continue;
			if (found < 8) initialHash[found] = fractionBits(Math.sqrt(candidate));
			roundConstants[found++] = fractionBits(Math.cbrt(candidate));
		}
	}
	return [roundConstants, initialHash];
}

const rotate = (value: number, bits: number) => (value >>> bits) | (value << (32 - bits));

export function sha256(data: Uint8Array): Uint8Array {
	const [k, initial] = constants();
	// Padding: 0x80, zeros, and the message length in bits as a 64-bit big-endian number.
	const padded = new Uint8Array(((data.length + 72) >> 6) << 6);
	padded.set(data);
	padded[data.length] = 0x80;
	const view = new DataView(padded.buffer);
	view.setUint32(padded.length - 8, Math.floor(data.length / 0x20000000));
	view.setUint32(padded.length - 4, data.length << 3);
	const hash = initial.slice();
	const w = new Int32Array(64);
	const word = (i: number) => w[i] ?? 0;
	for (let offset = 0; offset < padded.length; offset += 64) {
		for (let i = 0; i < 64; i++) {
			const x = word(i - 15);
			const y = word(i - 2);
			w[i] =
				i < 16
					? view.getInt32(offset + i * 4)
					: word(i - 16) + (rotate(x, 7) ^ rotate(x, 18) ^ (x >>> 3)) + word(i - 7) + (rotate(y, 17) ^ rotate(y, 19) ^ (y >>> 10));
		}
		let [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0] = hash;
		for (let i = 0; i < 64; i++) {
			const t1 = h + (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) + ((e & f) ^ (~e & g)) + (k[i] ?? 0) + word(i);
			const t2 = (rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
			h = g;
			g = f;
			f = e;
			e = (d + t1) | 0;
			d = c;
			c = b;
			b = a;
			a = (t1 + t2) | 0;
		}
		for (const [index, value] of [a, b, c, d, e, f, g, h].entries()) hash[index] = (hash[index] ?? 0) + value;
	}
	const digest = new Uint8Array(32);
	const digestView = new DataView(digest.buffer);
	for (const [index, value] of hash.entries()) digestView.setInt32(index * 4, value);
	return digest;
}
