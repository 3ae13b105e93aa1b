import { describe, expect, it, vi } from "vitest";
import { ConnectionDisabledError, MemoryTokenStore, OAuth2Tokens, TokenNotFoundError } from "../../src/index.js";
import { rejection } from "../support/rejection.js";
import { setup } from "../support/token-manager-setup.js";

describe("TokenManager.disable() and enable()", () => {
	it("getConnection() reports a new sign-in as active, with Atlassian's limits, and null for an unknown key", async () => {
		const { manager, signIn } = setup();
		const saved = await signIn();
		const info = await manager.getConnection("conn");
		expect(info).toMatchObject({ key: "conn", status: "active", grantedAt: saved.consentedAt, version: saved.version });
		expect(info?.grantExpiresAt).toBe((saved.consentedAt as number) + 365 * 86_400_000);
		expect(await manager.getConnection("nobody")).toBeNull();
	});

	it("disable(): no token handed out (cached or not), no refresh sent, until enable()", async () => {
		const { endpoint, manager, signIn } = setup({ cacheMs: 60_000, expiresInSeconds: 3600 });
		await signIn();
		expect(await manager.getAccessToken("conn")).toBe("at-0"); // now cached
		const disabled = await manager.disable("conn");
		expect(disabled).toMatchObject({ status: "disabled", reason: "disabled" });
		const error = await rejection(manager.getAccessToken("conn"));
		expect(error).toBeInstanceOf(ConnectionDisabledError);
		expect(error).toMatchObject({ key: "conn" });
		expect(await rejection(manager.refresh("conn"))).toBeInstanceOf(ConnectionDisabledError);
		expect(endpoint.requests).toBe(0);
		expect((await manager.disable("conn")).version).toBe(disabled.version); // already disabled: nothing written
		expect(await manager.enable("conn")).toMatchObject({ status: "active" });
		expect(await manager.getAccessToken("conn")).toBe("at-0");
		await expect(manager.disable("nobody")).rejects.toBeInstanceOf(TokenNotFoundError);
	});

	it("disable() waits for a refresh in flight, so the rotated token is stored, not lost", async () => {
		let release: () => void = () => {};
		const answered = new Promise<void>((resolve) => {
			release = resolve;
		});
		const { endpoint, store, manager, signIn } = setup({ beforeAnswer: () => answered });
		await signIn(1);
		const refreshing = manager.getAccessToken("conn");
		await vi.waitFor(async () => expect((await store.get("conn"))?.refreshSentAt).toBeDefined());
		const disabling = manager.disable("conn");
		await new Promise((resolve) => setTimeout(resolve, 100));
		release();
		expect(await refreshing).toBe("at-1");
		expect(await disabling).toMatchObject({ status: "disabled" });
		expect(await store.get("conn")).toMatchObject({ refreshToken: endpoint.current, accessToken: "at-1" });
		expect(endpoint.invalidGrants).toBe(0);
	});

	it("a new sign-in clears a disable", async () => {
		const { manager, signIn } = setup();
		await signIn();
		await manager.disable("conn");
		await signIn();
		expect(await manager.getConnection("conn")).toMatchObject({ status: "active" });
	});
});

describe("TokenManager.listConnections()", () => {
	async function fleet(count: number) {
		const store = new MemoryTokenStore();
		const { manager } = setup({ store });
		for (let i = 0; i < count; i++) {
			await manager.save(
				`user-${String(i).padStart(3, "0")}`,
				new OAuth2Tokens({ access_token: `at-${i}`, refresh_token: `rt-${i}`, expires_in: 3600 }),
			);
		}
		return { store, manager };
	}

	it("pages through every connection once, in key order, with no token in what it returns", async () => {
		const { manager } = await fleet(25);
		const seen: string[] = [];
		let cursor: string | null = null;
		let pages = 0;
		do {
			const page = await manager.listConnections({ limit: 10, cursor });
			seen.push(...page.connections.map((connection) => connection.key));
			expect(JSON.stringify(page)).not.toMatch(/"at-|"rt-/);
			cursor = page.cursor;
			pages++;
		} while (cursor !== null);
		expect(pages).toBe(3);
		expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `user-${String(i).padStart(3, "0")}`));
	});

	it("lists one status at a time", async () => {
		const { store, manager } = await fleet(5);
		await manager.disable("user-001");
		const marked = await store.get("user-003");
		await store.compareAndSet("user-003", marked?.version ?? 0, {
			...(marked as NonNullable<typeof marked>),
			reauthorizationRequired: true,
			version: (marked?.version ?? 0) + 1,
		});
		const keys = async (status: "active" | "disabled" | "reauthorization_required" | "degraded") =>
			(await manager.listConnections({ status })).connections.map((connection) => connection.key);
		expect(await keys("disabled")).toEqual(["user-001"]);
		expect(await keys("reauthorization_required")).toEqual(["user-003"]);
		expect(await keys("active")).toEqual(["user-000", "user-002", "user-004"]);
		expect(await keys("degraded")).toEqual([]);
		await manager.delete("user-000");
		expect(await keys("active")).toEqual(["user-002", "user-004"]);
	});

	it("refuses bad options, and a store that cannot list", async () => {
		const { manager } = await fleet(1);
		await expect(manager.listConnections({ limit: 0 })).rejects.toThrow(/limit must be a whole number from 1 to 1000/);
		await expect(manager.listConnections({ limit: 1_001 })).rejects.toThrow(TypeError);
		await expect(manager.listConnections({ status: "broken" as "active" })).rejects.toThrow(/status must be one of/);
		const store = new MemoryTokenStore();
		Object.defineProperty(store, "listConnections", { value: undefined });
		const { manager: bare } = setup({ store });
		await expect(bare.listConnections()).rejects.toThrow(/needs a TokenStore with listConnections/);
	});
});
