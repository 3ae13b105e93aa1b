import { describe, expect, it, vi } from "vitest";
import { type ConnectionEvent, MemoryTokenStore, type StoredTokenSet, type TokenStore } from "../../src/index.js";
import { rejection } from "../support/rejection.js";
import { setup, withResendDelaysSkipped } from "../support/token-manager-setup.js";

/** An `onConnectionEvent` that records what it is told. */
function recorder() {
	const events: ConnectionEvent[] = [];
	return { events, onConnectionEvent: (event: ConnectionEvent) => void events.push(event), types: () => events.map((event) => event.type) };
}

const outbox = async (store: TokenStore, key = "conn") => (await store.get(key))?.pendingEvents ?? [];

describe("onConnectionEvent: each change told once, by the writer, and cleared from the outbox", () => {
	it("connected, degraded (once for two failures), recovered, refreshed, disabled, enabled, reauthorization_required, deleted", async () => {
		const { events, onConnectionEvent, types } = recorder();
		const { endpoint, store, manager, signIn } = setup({ onConnectionEvent });
		await signIn();
		endpoint.fault = "503";
		await withResendDelaysSkipped(() => rejection(manager.getAccessToken("conn")));
		endpoint.fault = "network";
		await withResendDelaysSkipped(() => rejection(manager.getAccessToken("conn")));
		endpoint.fault = "none";
		await manager.getAccessToken("conn");
		await manager.refresh("conn");
		await manager.disable("conn");
		await manager.enable("conn");
		endpoint.current = "rt-revoked";
		await rejection(manager.refresh("conn"));
		await vi.waitFor(async () => expect(await outbox(store)).toEqual([]));
		await manager.delete("conn");
		expect(types()).toEqual([
			"connected",
			"degraded",
			"recovered",
			"refreshed",
			"disabled",
			"enabled",
			"reauthorization_required",
			"deleted",
		]);
		expect(events[1]).toMatchObject({ key: "conn", status: "degraded", reason: "refresh_failing" });
		expect(events[6]).toMatchObject({ status: "reauthorization_required", reason: "invalid_grant" });
		expect(events[7]).toMatchObject({ status: "deleted" });
		expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
		expect(JSON.stringify(events)).not.toMatch(/"(at|rt)-\d/);
		expect(await store.get("conn")).toBeNull();
	});

	it("without the hook, nothing is kept: a record written as before", async () => {
		const { store, manager, signIn } = setup();
		await signIn();
		await manager.disable("conn");
		expect(await store.get("conn")).not.toHaveProperty("pendingEvents");
	});

	it("a hook that never settles holds up neither the write nor the refresh", async () => {
		const { manager, signIn } = setup({ onConnectionEvent: () => new Promise<void>(() => {}) });
		await signIn(1);
		expect(await manager.getAccessToken("conn")).toBe("at-1");
		expect(await manager.getConnection("conn")).toMatchObject({ status: "active" });
	});
});

describe("None is lost: what the writer did not tell is told again, with the same id", () => {
	it("a hook that throws leaves its event in the outbox; a drain past the grace period tells it again, then it is cleared", async () => {
		let now = 1_000_000;
		let failing = true;
		const told: ConnectionEvent[] = [];
		const { store, manager, signIn } = setup({
			now: () => now,
			connectionEventGraceMs: 30_000,
			onConnectionEvent: (event) => {
				told.push(event);
				if (failing) throw new Error("consumer down");
			},
		});
		await signIn();
		await vi.waitFor(() => expect(told).toHaveLength(1));
		const [kept] = await outbox(store);
		expect(kept).toMatchObject({ id: told[0]?.id, type: "connected" });
		expect(await manager.drainConnectionEvents()).toBe(0); // still inside the grace period: left to its writer
		now += 30_000;
		// Past it, but the consumer is still down: tried once, then not again from here for another grace period,
		// however often the connection is read.
		expect(await manager.drainConnectionEvents()).toBe(0);
		for (let read = 0; read < 5; read++) await manager.getConnection("conn");
		expect(await manager.drainConnectionEvents()).toBe(0);
		expect(told).toHaveLength(2);
		failing = false;
		now += 30_000;
		expect(await manager.drainConnectionEvents()).toBe(1);
		expect(told.map((event) => event.id)).toEqual([kept?.id, kept?.id, kept?.id]);
		expect(await outbox(store)).toEqual([]);
	});

	it("a writer that died before telling: another manager finds the event when it reads the connection, or drains it", async () => {
		const store = new MemoryTokenStore();
		const now = 5_000_000;
		const left = (id: string): StoredTokenSet => ({
			accessToken: "at-9",
			refreshToken: "rt-9",
			expiresAt: now + 3_600_000,
			scopes: [],
			version: 2,
			consecutiveFailures: 1,
			pendingEvents: [{ id, type: "degraded", at: now - 60_000, status: "degraded", reason: "refresh_failing" }],
		});
		await store.compareAndSet("read-one", 0, left("e-read"));
		await store.compareAndSet("drained-one", 0, left("e-drained"));
		const { events, onConnectionEvent } = recorder();
		const { manager } = setup({ store, onConnectionEvent, now: () => now });
		await manager.getConnection("read-one");
		await vi.waitFor(() => expect(events.map((event) => event.id)).toEqual(["e-read"]));
		await vi.waitFor(async () => expect(await outbox(store, "read-one")).toEqual([]));
		expect(await manager.keepAlive()).toMatchObject({ refreshed: [] }); // keepAlive() drains first
		expect(events.map((event) => `${event.key}:${event.id}`)).toEqual(["read-one:e-read", "drained-one:e-drained"]);
		expect(await outbox(store, "drained-one")).toEqual([]);
		expect((await store.get("drained-one"))?.version).toBe(2); // cleared in place: no one takes it for a refresh
	});

	it("a delete cut short (its process died after recording it) is told by a drain, which finishes it", async () => {
		const store = new MemoryTokenStore();
		await store.compareAndSet("gone", 0, {
			accessToken: "at",
			refreshToken: "rt",
			expiresAt: 9e12,
			scopes: [],
			version: 4,
			pendingEvents: [{ id: "e-deleted", type: "deleted", at: 0, status: "deleted" }],
		});
		const { events, onConnectionEvent } = recorder();
		const { manager } = setup({ store, onConnectionEvent, now: () => 60_000 });
		expect(await manager.drainConnectionEvents()).toBe(1);
		expect(events).toEqual([{ id: "e-deleted", type: "deleted", key: "gone", at: 0, status: "deleted" }]);
		expect(await store.get("gone")).toBeNull();
	});
});
