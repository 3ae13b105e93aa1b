import { connectionReason } from "./connection.js";
import {
	type ConnectionEventType,
	type ConnectionStatus,
	connectionStatus,
	type PendingConnectionEvent,
	type StoredTokenSet,
} from "./token-store.js";

// What a write to a connection tells `onConnectionEvent`: the one rule from the write and the status it changed.

/** A change to a connection, told once for the whole fleet by the process whose write made it. No token. */
export interface ConnectionEvent extends PendingConnectionEvent {
	key: string;
}

/** What a write did to the connection. */
export type ConnectionWrite = "save" | "refresh" | "failure" | "disable" | "enable" | "delete";

/**
 * The most events one record keeps undelivered: past it the oldest go. Only a hook that fails again and again
 * (a consumer down for days) gets there; a record must not grow without end for it.
 */
export const MAX_PENDING_EVENTS = 50;

/** The event a write makes, from the status before it (`null`: none stored) and after it; `null` when it makes none. */
export function connectionEventType(
	write: ConnectionWrite,
	before: ConnectionStatus | null,
	after: ConnectionStatus | "deleted",
): ConnectionEventType | null {
	switch (write) {
		case "save":
			return "connected";
		case "disable":
			return "disabled";
		case "enable":
			return "enabled";
		case "delete":
			return "deleted";
		default:
			if (after === before) return write === "refresh" ? "refreshed" : null;
			if (after === "active") return "recovered";
			return after === "degraded" || after === "reauthorization_required" ? after : null;
	}
}

/**
 * Whether an event of this type is kept in the record's outbox until delivered. A change of status is: none is
 * lost. `refreshed` is a notice, not a change: it is told once by the refreshing process, and not kept, so a
 * refresh costs no extra write.
 */
export function isKeptUntilDelivered(type: ConnectionEventType): boolean {
	return type !== "refreshed";
}

/** The event `write` makes, as it will be kept with `after` (or with the record it deletes); `null` when it makes none. */
export function pendingEvent(
	write: ConnectionWrite,
	before: StoredTokenSet | null,
	after: StoredTokenSet,
	at: number,
): PendingConnectionEvent | null {
	const type = connectionEventType(
		write,
		before === null ? null : connectionStatus(before),
		write === "delete" ? "deleted" : connectionStatus(after),
	);
	if (type === null) return null;
	if (write === "delete") return { id: crypto.randomUUID(), type, at, status: "deleted" };
	const status = connectionStatus(after);
	const reason = connectionReason(after, status);
	return { id: crypto.randomUUID(), type, at, status, ...(reason === null ? {} : { reason }) };
}

/** `tokens` with `event` added to its outbox, the oldest dropped past `MAX_PENDING_EVENTS`. */
export function withPendingEvent(tokens: StoredTokenSet, event: PendingConnectionEvent): StoredTokenSet {
	return { ...tokens, pendingEvents: [...(tokens.pendingEvents ?? []), event].slice(-MAX_PENDING_EVENTS) };
}

/** `tokens` without the events `ids`; the field goes when none is left. */
export function withoutPendingEvents(tokens: StoredTokenSet, ids: ReadonlySet<string>): StoredTokenSet {
	const { pendingEvents, ...rest } = tokens;
	const left = (pendingEvents ?? []).filter((event) => !ids.has(event.id));
	return left.length === 0 ? rest : { ...rest, pendingEvents: left };
}
