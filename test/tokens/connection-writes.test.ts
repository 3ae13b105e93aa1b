import { describe, expect, it, vi } from "vitest";
import type { ConnectionEvent, TokenStore } from "../../src/index.js";
import { setup } from "../support/token-manager-setup.js";

const outbox = async (store: TokenStore, key = "conn") => (await store.get(key))?.pendingEvents ?? [];

describe("saveSignedIn(): a new sign-in over whatever is stored", () => {
	it("keeps the old grant's untold events, and adds connected", async () => {
		let failing = true;
		const { store, manager, signIn } = setup({
			onConnectionEvent: () => {
				if (failing) throw new Error("down");
			},
		});
		await signIn();
		await manager.disable("conn");
		await vi.waitFor(async () => expect((await outbox(store)).map((event) => event.type)).toEqual(["connected", "disabled"]));
		failing = false;
		await signIn();
		await vi.waitFor(async () => expect((await outbox(store)).map((event) => event.type)).toEqual(["connected", "disabled"]));
		expect(await manager.getConnection("conn")).toMatchObject({ status: "active" });
	});
});

describe("recordDeletion(): a delete with events on", () => {
	it("tells `deleted` before the record goes; a hook that never settles holds the delete up for storeTimeoutMs at most", async () => {
		const told: ConnectionEvent[] = [];
		const { store, manager, signIn } = setup({
			storeTimeoutMs: 200,
			onConnectionEvent: (event) => {
				told.push(event);
				return event.type === "deleted" ? new Promise<void>(() => {}) : undefined;
			},
		});
		await signIn();
		await vi.waitFor(async () => expect(await outbox(store)).toEqual([]));
		const started = Date.now();
		await manager.delete("conn");
		expect(Date.now() - started).toBeLessThan(2_000);
		expect(told.map((event) => event.type)).toEqual(["connected", "deleted"]);
		expect(await store.get("conn")).toBeNull();
	});

	it("a connection that is not stored is deleted without an event", async () => {
		const told: ConnectionEvent[] = [];
		const { manager } = setup({ onConnectionEvent: (event) => void told.push(event) });
		await manager.delete("nobody");
		expect(told).toEqual([]);
	});
});
