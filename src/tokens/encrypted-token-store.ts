import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import type { StoredTokenSet, TokenStore } from "./token-store.js";

const PREFIX = "a3lo.aes256gcm.";

/** A stored token could not be decrypted: wrong key, or the record was altered. The stored record is left untouched. */
export class TokenDecryptionError extends Error {
	public key: string;

	constructor(key: string) {
		super(`Could not decrypt the tokens stored for "${key}": wrong encryption key, or the record was altered`);
		this.name = "TokenDecryptionError";
		this.key = key;
	}
}

/**
 * Wraps a store so that access and refresh tokens are kept encrypted with AES-256-GCM (Web Crypto):
 * a leaked Redis dump or database backup holds no usable token. Expiry, scopes and version stay in
 * clear so the inner store works unchanged. Each token is bound to its store key and field, so a
 * ciphertext copied to another connection or field does not decrypt.
 *
 * `encryptionKey`: 32 random bytes (keep them in your secret manager, not next to the store) or an AES-GCM `CryptoKey`.
 */
export function encryptedTokenStore(store: TokenStore, encryptionKey: Uint8Array | CryptoKey): TokenStore {
	if (encryptionKey instanceof Uint8Array && encryptionKey.byteLength !== 32) {
		throw new TypeError(`encryptedTokenStore needs a 32-byte key for AES-256-GCM, got ${encryptionKey.byteLength} bytes`);
	}
	const cryptoKey = importKey(encryptionKey);
	// Surfaced on first use; keeps an unused store from reporting an unhandled rejection.
	cryptoKey.catch(() => {});
	return {
		async get(key) {
			const stored = await store.get(key);
			if (stored === null) {
				return null;
			}
			const aesKey = await cryptoKey;
			return {
				...stored,
				accessToken: await decrypt(aesKey, key, "accessToken", stored.accessToken),
				refreshToken: stored.refreshToken === null ? null : await decrypt(aesKey, key, "refreshToken", stored.refreshToken),
			};
		},
		async set(key, tokens: StoredTokenSet) {
			const aesKey = await cryptoKey;
			await store.set(key, {
				...tokens,
				accessToken: await encrypt(aesKey, key, "accessToken", tokens.accessToken),
				refreshToken: tokens.refreshToken === null ? null : await encrypt(aesKey, key, "refreshToken", tokens.refreshToken),
			});
		},
		delete: (key) => store.delete(key),
		lock: (key, ttlMs) => store.lock(key, ttlMs),
	};
}

async function importKey(encryptionKey: Uint8Array | CryptoKey): Promise<CryptoKey> {
	if (!(encryptionKey instanceof Uint8Array)) {
		return encryptionKey;
	}
	return crypto.subtle.importKey("raw", new Uint8Array(encryptionKey), "AES-GCM", false, ["encrypt", "decrypt"]);
}

function additionalData(key: string, field: string): Uint8Array<ArrayBuffer> {
	return new TextEncoder().encode(`${key}\u0000${field}`);
}

async function encrypt(aesKey: CryptoKey, key: string, field: string, plaintext: string): Promise<string> {
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const ciphertext = new Uint8Array(
		await crypto.subtle.encrypt(
			{ name: "AES-GCM", iv, additionalData: additionalData(key, field) },
			aesKey,
			new TextEncoder().encode(plaintext),
		),
	);
	const sealed = new Uint8Array(iv.byteLength + ciphertext.byteLength);
	sealed.set(iv);
	sealed.set(ciphertext, iv.byteLength);
	return PREFIX + encodeBase64urlNoPadding(sealed);
}

async function decrypt(aesKey: CryptoKey, key: string, field: string, sealedText: string): Promise<string> {
	try {
		if (!sealedText.startsWith(PREFIX)) {
			throw new Error("not sealed");
		}
		const sealed = new Uint8Array(decodeBase64urlIgnorePadding(sealedText.slice(PREFIX.length)));
		const plaintext = await crypto.subtle.decrypt(
			{ name: "AES-GCM", iv: sealed.subarray(0, 12), additionalData: additionalData(key, field) },
			aesKey,
			sealed.subarray(12),
		);
		return new TextDecoder().decode(plaintext);
	} catch {
		throw new TokenDecryptionError(key);
	}
}
