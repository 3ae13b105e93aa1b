import { describe, expect, it } from "vitest";
import { encryptedTokenStore, MemoryTokenStore, type StoredTokenSet, TokenDecryptionError } from "../../src/index.js";
import { rejection } from "../support/rejection.js";

const tokens: StoredTokenSet = {
	accessToken: "eyJhbGciOi-access",
	refreshToken: "eyJhbGciOi-refresh",
	expiresAt: 1_800_000_000_000,
	scopes: ["read:me"],
	version: 3,
};
const key = crypto.getRandomValues(new Uint8Array(32));

describe("encryptedTokenStore", () => {
	it("round-trips, and the inner store holds no usable token", async () => {
		const inner = new MemoryTokenStore();
		const store = encryptedTokenStore(inner, key);
		await store.set("conn", tokens);
		expect(await store.get("conn")).toEqual(tokens);
		const raw = JSON.stringify(await inner.get("conn"));
		expect(raw).not.toContain(tokens.accessToken);
		expect(raw).not.toContain(tokens.refreshToken);
		expect(await inner.get("conn")).toMatchObject({ expiresAt: tokens.expiresAt, version: 3, scopes: ["read:me"] });
	});

	it("keeps a null refresh token null, and uses a fresh IV each time", async () => {
		const inner = new MemoryTokenStore();
		const store = encryptedTokenStore(inner, key);
		await store.set("a", { ...tokens, refreshToken: null });
		expect((await store.get("a"))?.refreshToken).toBeNull();
		await store.set("b", tokens);
		await store.set("c", tokens);
		expect((await inner.get("b"))?.accessToken).not.toBe((await inner.get("c"))?.accessToken);
	});

	it("refuses a tampered record, a wrong key, and a ciphertext moved to another connection or field", async () => {
		const inner = new MemoryTokenStore();
		const store = encryptedTokenStore(inner, key);
		await store.set("conn", tokens);
		const sealed = (await inner.get("conn")) as StoredTokenSet;

		await inner.set("tampered", { ...sealed, accessToken: `${sealed.accessToken.slice(0, -2)}AA` });
		await inner.set("moved", sealed);
		await inner.set("swapped", { ...sealed, accessToken: sealed.refreshToken as string });
		await inner.set("plain", tokens);
		for (const name of ["tampered", "moved", "swapped", "plain"]) {
			const error = await rejection(store.get(name));
			expect(error).toBeInstanceOf(TokenDecryptionError);
			expect(String(error)).not.toContain(tokens.accessToken);
		}
		const otherKey = encryptedTokenStore(inner, crypto.getRandomValues(new Uint8Array(32)));
		expect(await rejection(otherKey.get("conn"))).toBeInstanceOf(TokenDecryptionError);
		expect(await inner.get("conn")).toEqual(sealed);
	});

	it("accepts a CryptoKey and rejects a key of the wrong length", async () => {
		const cryptoKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
		const store = encryptedTokenStore(new MemoryTokenStore(), cryptoKey);
		await store.set("k", tokens);
		expect(await store.get("k")).toEqual(tokens);
		expect(() => encryptedTokenStore(new MemoryTokenStore(), new Uint8Array(16))).toThrow(/32-byte key/);
	});

	it("passes delete and lock through", async () => {
		const inner = new MemoryTokenStore();
		const store = encryptedTokenStore(inner, key);
		await store.set("k", tokens);
		const lock = await store.lock("k", 1000);
		expect(await inner.lock("k", 1000)).toBeNull();
		await lock?.release();
		await store.delete("k");
		expect(await inner.get("k")).toBeNull();
	});
});
