import { describe, expect, it } from "vitest";
import { encryptedTokenStore, MemoryTokenStore, type StoredTokenSet, TokenDecryptionError } from "../../src/index.js";
import { rejection } from "../support/rejection.js";

const tokens: StoredTokenSet = {
	accessToken: "eyJhbGciOi-access",
	refreshToken: "eyJhbGciOi-refresh",
	expiresAt: 1_800_000_000_000,
	scopes: ["read:me"],
	version: 3,
	consentedAt: 1_700_000_000_000,
	issuedAt: 1_790_000_000_000,
};
const key = crypto.getRandomValues(new Uint8Array(32));

async function sealedWith(store: ReturnType<typeof encryptedTokenStore>, inner: MemoryTokenStore, name: string, set = tokens) {
	await store.compareAndSet(name, await inner.getVersion(name), set);
	return (await inner.get(name)) as StoredTokenSet;
}

describe("encryptedTokenStore", () => {
	it("round-trips, and the inner store holds no usable token", async () => {
		const inner = new MemoryTokenStore();
		const store = encryptedTokenStore(inner, key);
		await sealedWith(store, inner, "conn");
		expect(await store.get("conn")).toEqual(tokens);
		const raw = JSON.stringify(await inner.get("conn"));
		expect(raw).not.toContain(tokens.accessToken);
		expect(raw).not.toContain(tokens.refreshToken);
		expect(await inner.get("conn")).toMatchObject({ expiresAt: tokens.expiresAt, version: 3, scopes: ["read:me"] });
		expect((await inner.get("conn"))?.accessToken).toMatch(/^a3lo\.v2\.[A-Za-z0-9_-]{8}\./);
	});

	it("keeps a null refresh token null, and uses a fresh IV each time", async () => {
		const inner = new MemoryTokenStore();
		const store = encryptedTokenStore(inner, key);
		await sealedWith(store, inner, "a", { ...tokens, refreshToken: null });
		expect((await store.get("a"))?.refreshToken).toBeNull();
		const b = await sealedWith(store, inner, "b");
		const c = await sealedWith(store, inner, "c");
		expect(b.accessToken).not.toBe(c.accessToken);
	});

	it("refuses a tampered record, a wrong key, and a ciphertext moved to another connection or field", async () => {
		const inner = new MemoryTokenStore();
		const store = encryptedTokenStore(inner, key);
		const sealed = await sealedWith(store, inner, "conn");
		const plant = (name: string, record: StoredTokenSet) => inner.compareAndSet(name, 0, record);

		await plant("tampered", { ...sealed, accessToken: `${sealed.accessToken.slice(0, -2)}AA` });
		await plant("moved", sealed);
		await plant("swapped", { ...sealed, accessToken: sealed.refreshToken as string });
		await plant("plain", tokens);
		for (const name of ["tampered", "moved", "swapped", "plain"]) {
			const error = await rejection(store.get(name));
			expect(error).toBeInstanceOf(TokenDecryptionError);
			expect(String(error)).not.toContain(tokens.accessToken);
		}
		const otherKey = encryptedTokenStore(inner, crypto.getRandomValues(new Uint8Array(32)));
		expect(await rejection(otherKey.get("conn"))).toBeInstanceOf(TokenDecryptionError);
		expect(await inner.get("conn")).toEqual(sealed);
	});

	it.each([
		["an older version", { version: 2 }],
		["a later expiry", { expiresAt: tokens.expiresAt + 3600_000 }],
		["a cleared re-authorization mark", { reauthorizationRequired: false }],
		["other scopes", { scopes: ["read:me", "write:jira-work"] }],
		["a cleared sent mark", { refreshSentAt: undefined }],
		["a cleared disable", { disabledAt: undefined }],
		["fewer failures", { consecutiveFailures: 1 }],
		["another error kind", { lastErrorKind: "network" as const }],
	])("authenticates the whole record: %s in clear does not decrypt", async (_, edit) => {
		const inner = new MemoryTokenStore();
		const store = encryptedTokenStore(inner, key);
		const health = { disabledAt: 5, consecutiveFailures: 2, lastFailureAt: 6, lastErrorKind: "server" as const };
		const sealed = await sealedWith(store, inner, "conn", { ...tokens, reauthorizationRequired: true, refreshSentAt: 1, ...health });
		await inner.compareAndSet("edited", 0, { ...sealed, ...edit });
		expect(await rejection(store.get("edited"))).toBeInstanceOf(TokenDecryptionError);
	});

	it("rotates keys: reads records sealed with a previous key and re-seals them with the current one", async () => {
		const inner = new MemoryTokenStore();
		const oldKey = crypto.getRandomValues(new Uint8Array(32));
		const newKey = crypto.getRandomValues(new Uint8Array(32));
		const before = await sealedWith(encryptedTokenStore(inner, oldKey), inner, "conn");
		const rotated = encryptedTokenStore(inner, [newKey, oldKey]);
		expect(await rotated.get("conn")).toEqual(tokens);
		const after = (await inner.get("conn")) as StoredTokenSet;
		expect(after.version).toBe(before.version); // content unchanged: no writer is fenced out
		expect(after.accessToken.split(".")[2]).not.toBe(before.accessToken.split(".")[2]);
		// Sealed with the new key now: the old key alone can no longer read it, the new one alone can.
		expect(await rejection(encryptedTokenStore(inner, oldKey).get("conn"))).toBeInstanceOf(TokenDecryptionError);
		expect(await encryptedTokenStore(inner, newKey).get("conn")).toEqual(tokens);
	});

	it("reads the 0.1 sealed format (no key id) and re-seals it", async () => {
		const inner = new MemoryTokenStore();
		const aesKey = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt"]);
		const legacySeal = async (field: string, plaintext: string) => {
			const iv = crypto.getRandomValues(new Uint8Array(12));
			const ciphertext = new Uint8Array(
				await crypto.subtle.encrypt(
					{ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(`conn\u0000${field}`) },
					aesKey,
					new TextEncoder().encode(plaintext),
				),
			);
			return `a3lo.aes256gcm.${Buffer.concat([iv, ciphertext]).toString("base64url")}`;
		};
		await inner.compareAndSet("conn", 0, {
			...tokens,
			accessToken: await legacySeal("accessToken", tokens.accessToken),
			refreshToken: await legacySeal("refreshToken", tokens.refreshToken as string),
		});
		// Refused unless asked for: that format authenticates the tokens alone, not the clear fields beside them.
		expect(await rejection(encryptedTokenStore(inner, key).get("conn"))).toBeInstanceOf(TokenDecryptionError);
		expect(await encryptedTokenStore(inner, key, { acceptLegacy: true }).get("conn")).toEqual(tokens);
		expect((await inner.get("conn"))?.accessToken).toMatch(/^a3lo\.v2\./);
	});

	it("without acceptLegacy, a 0.1 record with forged clear fields is refused, not re-sealed as authentic", async () => {
		const inner = new MemoryTokenStore();
		const aesKey = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt"]);
		const legacySeal = async (field: string, plaintext: string) => {
			const iv = crypto.getRandomValues(new Uint8Array(12));
			const additionalData = new TextEncoder().encode(`conn\u0000${field}`);
			const ciphertext = new Uint8Array(
				await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData }, aesKey, new TextEncoder().encode(plaintext)),
			);
			return `a3lo.aes256gcm.${Buffer.concat([iv, ciphertext]).toString("base64url")}`;
		};
		await inner.compareAndSet("conn", 0, {
			...tokens,
			expiresAt: 8.64e15,
			scopes: ["admin:everything"],
			accessToken: await legacySeal("accessToken", tokens.accessToken),
			refreshToken: await legacySeal("refreshToken", tokens.refreshToken as string),
		});
		const before = await inner.get("conn");
		expect(await rejection(encryptedTokenStore(inner, key).get("conn"))).toBeInstanceOf(TokenDecryptionError);
		expect(await inner.get("conn")).toEqual(before);
	});

	it("acceptPlaintext seals an existing plaintext store in place, without signing anyone out; resealAll() finishes the job", async () => {
		const inner = new MemoryTokenStore();
		for (const each of ["a", "b", "c"]) await inner.compareAndSet(each, 0, { ...tokens, accessToken: `at-${each}-0123456789` });
		// Without the option, a plaintext record is unreadable.
		expect(await rejection(encryptedTokenStore(inner, key).get("a"))).toBeInstanceOf(TokenDecryptionError);
		const migrating = encryptedTokenStore(inner, key, { acceptPlaintext: true });
		expect((await migrating.get("a"))?.accessToken).toBe("at-a-0123456789");
		expect(await migrating.resealAll({ pageSize: 2 })).toEqual({ resealed: 2, current: 1, failed: [] });
		for (const each of ["a", "b", "c"]) {
			expect((await inner.get(each))?.accessToken).toMatch(/^a3lo\.v2\./);
			// Once sealed, the store works without the option.
			expect((await encryptedTokenStore(inner, key).get(each))?.accessToken).toBe(`at-${each}-0123456789`);
		}
	});

	it("resealAll() re-seals every record with the current key, so the old key can be retired, and reports what it cannot read", async () => {
		const inner = new MemoryTokenStore();
		const oldKey = crypto.getRandomValues(new Uint8Array(32));
		const old = encryptedTokenStore(inner, oldKey);
		for (const each of ["never-read-1", "never-read-2"]) await old.compareAndSet(each, 0, tokens);
		await encryptedTokenStore(inner, crypto.getRandomValues(new Uint8Array(32))).compareAndSet("foreign", 0, tokens);
		const rotated = encryptedTokenStore(inner, [key, oldKey]);
		const report = await rotated.resealAll();
		expect(report).toMatchObject({ resealed: 2, current: 0 });
		expect(report.failed.map((failure) => [failure.key, (failure.error as Error).name])).toEqual([["foreign", "TokenDecryptionError"]]);
		// The old key is retired: records nobody read since the rotation are still readable.
		for (const each of ["never-read-1", "never-read-2"]) expect(await encryptedTokenStore(inner, key).get(each)).toEqual(tokens);
	});

	it("refuses two keys with one id, which would leave records it cannot open", async () => {
		const generate = () => crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]) as Promise<CryptoKey>;
		expect(() => encryptedTokenStore(new MemoryTokenStore(), [key, new Uint8Array(key)])).toThrow(/two keys with the id/);
		expect(() =>
			encryptedTokenStore(new MemoryTokenStore(), [
				{ id: "k1", key },
				{ id: "k1", key: crypto.getRandomValues(new Uint8Array(32)) },
			]),
		).toThrow(/two keys with the id "k1"/);
		// Two CryptoKeys without ids both get the id "default".
		const [first, second] = [await generate(), await generate()];
		expect(() => encryptedTokenStore(new MemoryTokenStore(), [first, second])).toThrow(/two keys with the id "default"/);
	});

	it("accepts a CryptoKey with an id, and rotates between CryptoKeys by id", async () => {
		const generate = () => crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
		const [first, second] = [await generate(), await generate()];
		const inner = new MemoryTokenStore();
		await sealedWith(encryptedTokenStore(inner, { id: "2026-10", key: first }), inner, "k");
		expect((await inner.get("k"))?.accessToken).toMatch(/^a3lo\.v2\.2026-10\./);
		const rotated = encryptedTokenStore(inner, [
			{ id: "2026-11", key: second },
			{ id: "2026-10", key: first },
		]);
		expect(await rotated.get("k")).toEqual(tokens);
		expect((await inner.get("k"))?.accessToken).toMatch(/^a3lo\.v2\.2026-11\./);
		const bare = encryptedTokenStore(new MemoryTokenStore(), first);
		await bare.compareAndSet("k", 0, tokens);
		expect(await bare.get("k")).toEqual(tokens);
	});

	it.each([
		["a 16-byte key", () => new Uint8Array(16), /32-byte key/],
		["a string", () => "0123456789abcdef0123456789abcdef", /got a string/],
		["an ArrayBuffer", () => new ArrayBuffer(32), /got an ArrayBuffer/],
		["an AES-128 CryptoKey", () => crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, false, ["encrypt", "decrypt"]), /256 bits/],
		[
			"a decrypt-only CryptoKey",
			() => crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["decrypt"]),
			/encrypt and decrypt/,
		],
		["a key id with a dot", async () => ({ id: "a.b", key: new Uint8Array(32) }), /key id/],
		["no key at all", () => [], /at least one/],
	])("refuses %s when the store is built, before any token is spent", async (_, make, message) => {
		const value = await make();
		expect(() => encryptedTokenStore(new MemoryTokenStore(), value as never)).toThrow(message);
	});

	it("a decrypt-only CryptoKey is fine as a previous key", async () => {
		const previous = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["decrypt"]);
		expect(() => encryptedTokenStore(new MemoryTokenStore(), [key, { id: "old", key: previous }])).not.toThrow();
	});

	it("passes versions, deletes, leases and the idle listing through", async () => {
		const inner = new MemoryTokenStore();
		const store = encryptedTokenStore(inner, key);
		await sealedWith(store, inner, "k", { ...tokens, issuedAt: 5 });
		expect(await store.getVersion("k")).toBe(3);
		expect(await store.listIdleKeys?.(10, { limit: 5 })).toEqual([{ key: "k", issuedAt: 5 }]);
		expect(await store.listKeys?.({ limit: 5 })).toEqual({ keys: ["k"], cursor: null });
		const lease = await store.acquireLease("k", 1000);
		expect(await inner.acquireLease("k", 1000)).toBeNull();
		await lease?.release();
		await store.delete("k");
		expect(await inner.get("k")).toBeNull();
		expect(await store.getVersion("k")).toBe(4);
	});
});
