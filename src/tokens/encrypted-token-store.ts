import { decodeBase64urlIgnorePadding } from "@oslojs/encoding";
import { encodeBase64urlNoPadding } from "../internal/base64url.js";
import { brandError } from "../internal/error-brand.js";
import { sha256 } from "../internal/sha256.js";
import type { StoredTokenSet, TokenStore, TokenStoreCallOptions } from "./token-store.js";

/** Sealed by this version: `a3lo.v2.<key id>.<base64url(iv ‖ ciphertext)>`, the whole record authenticated. */
const SEALED = /^a3lo\.v2\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]+)$/;
/** Sealed by 0.1: no key id, and only the store key and field authenticated. Read only with `acceptLegacy`, and re-sealed on read. */
const LEGACY_PREFIX = "a3lo.aes256gcm.";
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** One encryption key: 32 raw bytes (its id is derived from them), or an AES-256-GCM `CryptoKey` with an id you choose. */
export type TokenEncryptionKey = Uint8Array | CryptoKey | { id: string; key: Uint8Array | CryptoKey };

/** A stored token could not be decrypted: wrong or unknown key, or the record was altered. The stored record is left untouched. */
export class TokenDecryptionError extends Error {
	public key: string;

	constructor(key: string) {
		super(`Could not decrypt the tokens stored for "${key}": wrong or retired encryption key, or the record was altered`);
		this.name = "TokenDecryptionError";
		this.key = key;
	}
}
brandError(TokenDecryptionError, "TokenDecryptionError");

interface PreparedKey {
	id: string;
	key: CryptoKey;
}

export interface EncryptedTokenStoreOptions {
	/**
	 * Also read records sealed by atlassian-3lo 0.1 (`a3lo.aes256gcm.…`), and re-seal them in the current format.
	 * That format authenticates the tokens alone: whoever can write the store can change a 0.1 record's clear
	 * fields (expiry, scopes, flags) unnoticed, and they are then re-sealed as if authentic. Turn it on for the
	 * upgrade, run `resealAll()`, and turn it off. Default `false`: a 0.1 record is a `TokenDecryptionError`.
	 */
	acceptLegacy?: boolean;
	/**
	 * Also read records whose tokens are not sealed at all — a store written before it was wrapped — and seal
	 * them on read, so wrapping an existing store signs nobody out. While it is on, whoever can write the store
	 * can plant tokens in clear. Turn it on for the migration, run `resealAll()`, and turn it off. Default `false`.
	 */
	acceptPlaintext?: boolean;
}

/** What `resealAll()` did: records now sealed with the current key, and records it could not read. */
export interface ResealReport {
	/** Records re-sealed with the current key (from a previous key, the 0.1 format, or plaintext). */
	resealed: number;
	/** Records already sealed with the current key. */
	current: number;
	failed: { key: string; error: unknown }[];
}

/** A `TokenStore` that seals tokens before they reach the store it wraps. */
export interface EncryptedTokenStore extends TokenStore {
	/**
	 * Reads every stored record and seals again, with the current key, each one sealed otherwise: after it
	 * reports no failure, previous keys (and `acceptLegacy`, `acceptPlaintext`) can be retired safely. Needs a
	 * wrapped store with `listKeys` (memory, Redis and Postgres have it). Safe to run while the store is in use:
	 * each re-seal is a compare-and-set at the same version, so it never writes over a newer record.
	 */
	resealAll(options?: TokenStoreCallOptions & { pageSize?: number }): Promise<ResealReport>;
}

/**
 * Wraps a store so that access and refresh tokens are kept encrypted with AES-256-GCM (Web Crypto):
 * a leaked Redis dump or database backup holds no usable token. Each token is bound to its store key and
 * field and to the whole record (version, expiry, scopes, flags), so a ciphertext copied elsewhere, or a
 * record whose clear fields were edited, does not decrypt.
 *
 * `keys`: one key, or `[current, ...previous]` to rotate: records sealed with a previous key are read and
 * re-sealed with the current one. Keep keys in your secret manager, not next to the store.
 */
export function encryptedTokenStore(
	store: TokenStore,
	keys: TokenEncryptionKey | TokenEncryptionKey[],
	options: EncryptedTokenStoreOptions = {},
): EncryptedTokenStore {
	const list = Array.isArray(keys) ? keys : [keys];
	if (list.length === 0) {
		throw new TypeError("encryptedTokenStore needs at least one encryption key");
	}
	for (const [index, entry] of list.entries()) checkKey(entry, index === 0);
	const ids = list.map(keyId);
	const duplicate = ids.find((id, index) => ids.indexOf(id) !== index);
	if (duplicate !== undefined) {
		throw new TypeError(
			`encryptedTokenStore got two keys with the id "${duplicate}" (the same key twice, or two CryptoKeys without ids): records name their key by id, so each must be unique`,
		);
	}
	const formats = { legacy: options.acceptLegacy === true, plaintext: options.acceptPlaintext === true };
	const prepared = Promise.all(list.map((entry, index) => prepareKey(entry, ids[index] as string)));
	// Surfaced on first use; keeps an unused store from reporting an unhandled rejection.
	prepared.catch(() => {});

	async function open(key: string, sealed: StoredTokenSet): Promise<{ tokens: StoredTokenSet; stale: boolean }> {
		const all = await prepared;
		const accessToken = await decrypt(all, key, "accessToken", sealed, formats);
		const refreshToken = sealed.refreshToken === null ? null : await decrypt(all, key, "refreshToken", sealed, formats);
		return {
			tokens: { ...sealed, accessToken: accessToken.plaintext, refreshToken: refreshToken?.plaintext ?? null },
			stale: accessToken.stale || refreshToken?.stale === true,
		};
	}

	async function seal(key: string, tokens: StoredTokenSet): Promise<StoredTokenSet> {
		const [current] = (await prepared) as [PreparedKey];
		return {
			...tokens,
			accessToken: await encrypt(current, key, "accessToken", tokens.accessToken, tokens),
			refreshToken: tokens.refreshToken === null ? null : await encrypt(current, key, "refreshToken", tokens.refreshToken, tokens),
		};
	}

	/** The record, opened; re-sealed with the current key at the same version when it was sealed otherwise. */
	async function read(key: string, options?: TokenStoreCallOptions): Promise<{ tokens: StoredTokenSet | null; resealed: boolean }> {
		const sealed = await store.get(key, options);
		if (sealed === null) {
			return { tokens: null, resealed: false };
		}
		const { tokens, stale } = await open(key, sealed);
		// Content is unchanged, so no writer is fenced out; if any write got there first, this one is refused, as it should be.
		const resealed = stale && (await store.compareAndSet(key, sealed.version, await seal(key, tokens), options).catch(() => false));
		return { tokens, resealed };
	}

	return {
		async get(key, options?: TokenStoreCallOptions) {
			return (await read(key, options)).tokens;
		},
		async resealAll(options = {}) {
			const { listKeys } = store;
			if (listKeys === undefined) {
				throw new TypeError("resealAll() needs a wrapped store with listKeys(); this one has none");
			}
			const limit = options.pageSize ?? 100;
			const report: ResealReport = { resealed: 0, current: 0, failed: [] };
			let cursor: string | null = null;
			do {
				const page: { keys: string[]; cursor: string | null } = await listKeys.call(store, { limit, cursor, signal: options.signal });
				for (const key of page.keys) {
					try {
						const { tokens, resealed } = await read(key, options);
						if (resealed) report.resealed++;
						else if (tokens !== null) report.current++;
					} catch (error) {
						report.failed.push({ key, error });
					}
				}
				cursor = page.cursor;
			} while (cursor !== null);
			return report;
		},
		getVersion: (key, options) => store.getVersion(key, options),
		async compareAndSet(key, expectedVersion, tokens, options) {
			return store.compareAndSet(key, expectedVersion, await seal(key, tokens), options);
		},
		delete: (key, options) => store.delete(key, options),
		acquireLease: (key, ttlMs, options) => store.acquireLease(key, ttlMs, options),
		...(store.listIdleKeys ? { listIdleKeys: store.listIdleKeys.bind(store) } : {}),
		...(store.listKeys ? { listKeys: store.listKeys.bind(store) } : {}),
		// Sealed as stored: a listing reads only the clear fields (status, times, scopes), never the tokens.
		...(store.listConnections ? { listConnections: store.listConnections.bind(store) } : {}),
		// Likewise: the outbox is clear bookkeeping (no secret), and drains read only it.
		...(store.listPendingEvents ? { listPendingEvents: store.listPendingEvents.bind(store) } : {}),
		...(store.watch ? { watch: store.watch.bind(store) } : {}),
		...(store.close ? { close: store.close.bind(store) } : {}),
	};
}

function describeKey(value: unknown): string {
	if (typeof value === "string") return "a string (decode it to 32 bytes first)";
	if (value instanceof ArrayBuffer) return "an ArrayBuffer (wrap it: new Uint8Array(buffer))";
	return typeof value;
}

/** Refuses, at construction, every key that would only fail later — after a refresh token was already spent. */
function checkKey(entry: TokenEncryptionKey, current: boolean): void {
	const isWrapped = typeof entry === "object" && entry !== null && "id" in entry && "key" in entry;
	if (isWrapped && !(typeof entry.id === "string" && KEY_ID.test(entry.id))) {
		throw new TypeError(`An encryption key id must be 1 to 64 of A–Z a–z 0–9 _ -, got ${JSON.stringify(entry.id)}`);
	}
	const key: unknown = isWrapped ? entry.key : entry;
	if (key instanceof Uint8Array) {
		if (key.byteLength !== 32) {
			throw new TypeError(`encryptedTokenStore needs a 32-byte key for AES-256-GCM, got ${key.byteLength} bytes`);
		}
		return;
	}
	if (typeof CryptoKey !== "undefined" && key instanceof CryptoKey) {
		const algorithm = key.algorithm as AesKeyAlgorithm;
		const usages = current ? ["encrypt", "decrypt"] : ["decrypt"];
		if (algorithm.name !== "AES-GCM" || algorithm.length !== 256 || !usages.every((usage) => key.usages.includes(usage as KeyUsage))) {
			throw new TypeError(
				`encryptedTokenStore needs an AES-GCM CryptoKey of 256 bits usable to ${usages.join(" and ")}, got ${algorithm.name}-${algorithm.length ?? "?"} for ${key.usages.join(", ") || "nothing"}`,
			);
		}
		return;
	}
	throw new TypeError(`encryptedTokenStore needs 32 bytes (a Uint8Array) or an AES-256-GCM CryptoKey, got ${describeKey(key)}`);
}

/** A key's id: the one given, or for raw bytes a stable one that reveals nothing (the first 6 bytes of their SHA-256). */
function keyId(entry: TokenEncryptionKey): string {
	if (!(entry instanceof Uint8Array) && "id" in entry) {
		return entry.id;
	}
	return entry instanceof Uint8Array ? encodeBase64urlNoPadding(sha256(entry).subarray(0, 6)) : "default";
}

async function prepareKey(entry: TokenEncryptionKey, id: string): Promise<PreparedKey> {
	const isWrapped = !(entry instanceof Uint8Array) && "id" in entry;
	const key = isWrapped ? entry.key : (entry as Uint8Array | CryptoKey);
	const cryptoKey =
		key instanceof Uint8Array ? await crypto.subtle.importKey("raw", new Uint8Array(key), "AES-GCM", false, ["encrypt", "decrypt"]) : key;
	return { id, key: cryptoKey };
}

/** Everything but the two tokens, bound into each ciphertext so no clear field can be changed on its own. */
function additionalData(key: string, field: string, tokens: StoredTokenSet): Uint8Array<ArrayBuffer> {
	const record: unknown[] = [
		tokens.version,
		tokens.expiresAt,
		tokens.scopes,
		tokens.reauthorizationRequired === true,
		tokens.consentedAt ?? null,
		tokens.issuedAt ?? null,
		tokens.refreshSentAt ?? null,
		tokens.refreshToken === null,
	];
	// Appended only when set, so records sealed before the field existed still open.
	if (tokens.refreshDeadline !== undefined) record.push(tokens.refreshDeadline);
	const { disabledAt, consecutiveFailures, lastFailureAt, lastErrorKind } = tokens;
	if (disabledAt !== undefined || consecutiveFailures !== undefined || lastFailureAt !== undefined || lastErrorKind !== undefined) {
		record.push([disabledAt ?? null, consecutiveFailures ?? null, lastFailureAt ?? null, lastErrorKind ?? null]);
	}
	return new TextEncoder().encode(`a3lo.v2\u0000${key}\u0000${field}\u0000${JSON.stringify(record)}`);
}

async function encrypt(current: PreparedKey, key: string, field: string, plaintext: string, tokens: StoredTokenSet): Promise<string> {
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const ciphertext = new Uint8Array(
		await crypto.subtle.encrypt(
			{ name: "AES-GCM", iv, additionalData: additionalData(key, field, tokens) },
			current.key,
			new TextEncoder().encode(plaintext),
		),
	);
	const sealed = new Uint8Array(iv.byteLength + ciphertext.byteLength);
	sealed.set(iv);
	sealed.set(ciphertext, iv.byteLength);
	return `a3lo.v2.${current.id}.${encodeBase64urlNoPadding(sealed)}`;
}

async function decrypt(
	keys: PreparedKey[],
	key: string,
	field: "accessToken" | "refreshToken",
	tokens: StoredTokenSet,
	formats: { legacy: boolean; plaintext: boolean },
): Promise<{ plaintext: string; stale: boolean }> {
	const sealedText = tokens[field] ?? "";
	const open = async (candidate: PreparedKey, body: string, additional: Uint8Array<ArrayBuffer>) => {
		const sealed = new Uint8Array(decodeBase64urlIgnorePadding(body));
		const plaintext = await crypto.subtle.decrypt(
			{ name: "AES-GCM", iv: sealed.subarray(0, 12), additionalData: additional },
			candidate.key,
			sealed.subarray(12),
		);
		return new TextDecoder().decode(plaintext);
	};
	const match = SEALED.exec(sealedText);
	if (match !== null) {
		const candidate = keys.find((prepared) => prepared.id === match[1]);
		if (candidate !== undefined) {
			try {
				return { plaintext: await open(candidate, match[2] as string, additionalData(key, field, tokens)), stale: candidate !== keys[0] };
			} catch {}
		}
	} else if (sealedText.startsWith(LEGACY_PREFIX)) {
		if (!formats.legacy) throw new TokenDecryptionError(key);
		const legacyAdditional = new TextEncoder().encode(`${key}\u0000${field}`);
		for (const candidate of keys) {
			try {
				return { plaintext: await open(candidate, sealedText.slice(LEGACY_PREFIX.length), legacyAdditional), stale: true };
			} catch {}
		}
	} else if (formats.plaintext && !sealedText.startsWith("a3lo.")) {
		// Written before the store was wrapped: taken as it is, and sealed by the caller.
		return { plaintext: sealedText, stale: true };
	}
	throw new TokenDecryptionError(key);
}
