import { describe, expect, it } from "vitest";
import type { StoredTokenSet } from "../../src/index.js";
import {
	connectionEventType,
	isKeptUntilDelivered,
	MAX_PENDING_EVENTS,
	pendingEvent,
	withoutPendingEvents,
	withPendingEvent,
} from "../../src/tokens/connection-event.js";
import { isStoredTokenSet } from "../../src/tokens/token-store.js";

const set = (fields: Partial<StoredTokenSet> = {}): StoredTokenSet => ({
	accessToken: "a",
	refreshToken: "r",
	expiresAt: 10,
	scopes: [],
	version: 1,
	...fields,
});

describe("connectionEventType(): the one rule from a write and the status it changed", () => {
	it("names each change of status, and a refresh that changed none", () => {
		expect(connectionEventType("save", null, "active")).toBe("connected");
		expect(connectionEventType("save", "reauthorization_required", "active")).toBe("connected");
		expect(connectionEventType("refresh", "active", "active")).toBe("refreshed");
		expect(connectionEventType("refresh", "degraded", "active")).toBe("recovered");
		expect(connectionEventType("failure", "active", "degraded")).toBe("degraded");
		expect(connectionEventType("failure", "degraded", "reauthorization_required")).toBe("reauthorization_required");
		expect(connectionEventType("disable", "degraded", "disabled")).toBe("disabled");
		expect(connectionEventType("enable", "disabled", "active")).toBe("enabled");
		expect(connectionEventType("delete", "active", "deleted")).toBe("deleted");
	});

	it("a failure that changes no status makes no event: degraded once, not per failure", () => {
		expect(connectionEventType("failure", "degraded", "degraded")).toBeNull();
	});

	it("only `refreshed` is told without being kept", () => {
		expect(isKeptUntilDelivered("refreshed")).toBe(false);
		for (const type of ["connected", "degraded", "recovered", "reauthorization_required", "disabled", "enabled", "deleted"] as const) {
			expect(isKeptUntilDelivered(type)).toBe(true);
		}
	});
});

describe("pendingEvent() and the outbox", () => {
	it("an event carries the status and reason after the write, never a token", () => {
		const event = pendingEvent("failure", set(), set({ consecutiveFailures: 1, lastErrorKind: "server", lastFailureAt: 5 }), 7);
		expect(event).toMatchObject({ type: "degraded", at: 7, status: "degraded", reason: "refresh_failing" });
		expect(event?.id).toMatch(/^[0-9a-f-]{36}$/);
		expect(JSON.stringify(event)).not.toMatch(/"a"|"r"/);
		expect(pendingEvent("save", null, set(), 1)).not.toHaveProperty("reason");
		expect(pendingEvent("delete", set(), set(), 1)).toMatchObject({ type: "deleted", status: "deleted" });
	});

	it("keeps at most MAX_PENDING_EVENTS, dropping the oldest, and clears by id", () => {
		let tokens = set();
		for (let index = 0; index < MAX_PENDING_EVENTS + 5; index++) {
			tokens = withPendingEvent(tokens, { id: `e${index}`, type: "degraded", at: index, status: "degraded" });
		}
		expect(tokens.pendingEvents).toHaveLength(MAX_PENDING_EVENTS);
		expect(tokens.pendingEvents?.[0]?.id).toBe("e5");
		expect(isStoredTokenSet(tokens)).toBe(true);
		const cleared = withoutPendingEvents(tokens, new Set(tokens.pendingEvents?.map((event) => event.id)));
		expect(cleared).not.toHaveProperty("pendingEvents");
		expect(withoutPendingEvents(tokens, new Set(["e5"])).pendingEvents).toHaveLength(MAX_PENDING_EVENTS - 1);
	});

	it("a record whose outbox is malformed is not a token set", () => {
		expect(isStoredTokenSet(set({ pendingEvents: [{ id: 1 } as never] }))).toBe(false);
		expect(isStoredTokenSet(set({ pendingEvents: [{ id: "x", type: "exploded", at: 1, status: "active" } as never] }))).toBe(false);
		expect(isStoredTokenSet({ ...set(), pendingEvents: "nope" })).toBe(false);
	});
});
