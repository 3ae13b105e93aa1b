import { backoff } from "../internal/backoff.js";
import { sleep } from "../internal/sleep.js";
import {
	type ConnectionEvent,
	type ConnectionWrite,
	isKeptUntilDelivered,
	pendingEvent,
	withoutPendingEvents,
	withPendingEvent,
} from "./connection-event.js";
import type { LeaseKeeper } from "./lease-keeper.js";
import type { StoreAccess } from "./store-access.js";
import type { PendingConnectionEvent, StoredTokenSet } from "./token-store.js";

/** What the outbox needs of its manager. */
export interface EventOutboxCapabilities {
	access: StoreAccess;
	now(): number;
	/** The connection's lease, or `null` when another holder has it. */
	tryLease(key: string): Promise<LeaseKeeper | null>;
}

/**
 * Delivers connection events to `onConnectionEvent` at least once for the whole fleet: the event is written with
 * the change (the record's outbox), told by the writer after its write landed, then cleared. Whoever finds one
 * older than `graceMs` still there (its writer died, or its hook threw) tells it again, with the same `id`.
 */
export class EventOutbox {
	readonly #hook: ((event: ConnectionEvent) => void | Promise<void>) | undefined;
	readonly #graceMs: number;
	readonly #manager: EventOutboxCapabilities;
	/** Events this process is telling now: never two deliveries of one at once from here. */
	readonly #inFlight = new Set<string>();
	/**
	 * When this process last failed to tell an event (its hook threw): not tried again from here before the grace
	 * period has passed once more, so a failing consumer is not called on every read of a hot connection.
	 */
	readonly #failedAt = new Map<string, number>();

	constructor(hook: ((event: ConnectionEvent) => void | Promise<void>) | undefined, graceMs: number, manager: EventOutboxCapabilities) {
		this.#hook = hook;
		this.#graceMs = graceMs;
		this.#manager = manager;
	}

	/** Whether events are made at all: only with `onConnectionEvent` given. */
	public get enabled(): boolean {
		return this.#hook !== undefined;
	}

	/**
	 * `after` as `write` stores it, with its event kept in the outbox when it is a change of status; and that
	 * event, for `written()` once the write landed. Without `onConnectionEvent`, `after` as it is and no event.
	 */
	public stage(
		write: ConnectionWrite,
		before: StoredTokenSet | null,
		after: StoredTokenSet,
	): { tokens: StoredTokenSet; event: PendingConnectionEvent | null } {
		const event = this.enabled ? pendingEvent(write, before, after, this.#manager.now()) : null;
		return { tokens: event !== null && isKeptUntilDelivered(event.type) ? withPendingEvent(after, event) : after, event };
	}

	/** After a write landed: tells its event, then clears it from the record. Not awaited: a slow hook never holds up a refresh. */
	public written(key: string, event: PendingConnectionEvent | null): void {
		if (event !== null) void this.deliver(key, [event]);
	}

	/** A record just read: events in its outbox older than the grace period, that nobody here is telling, are told again. */
	public found(key: string, tokens: StoredTokenSet | null): void {
		const overdue = tokens?.pendingEvents?.filter((event) => this.#isOverdue(event));
		if (overdue !== undefined && overdue.length > 0) void this.deliver(key, overdue);
	}

	/** Tells `event` and clears it, waiting for that at most `ms`. */
	public async deliverWithin(key: string, event: PendingConnectionEvent, ms: number): Promise<void> {
		let timer: ReturnType<typeof setTimeout> | undefined;
		await Promise.race([this.deliver(key, [event]), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
		clearTimeout(timer);
	}

	/** Tells each event in turn, then clears from the record those told; resolves the ids told. A hook that throws leaves its event for later. */
	public async deliver(key: string, events: readonly PendingConnectionEvent[]): Promise<ReadonlySet<string>> {
		const hook = this.#hook;
		const told = new Set<string>();
		if (hook === undefined) return told;
		for (const event of events) {
			if (this.#inFlight.has(event.id)) continue;
			this.#inFlight.add(event.id);
			try {
				await hook({ ...event, key });
				told.add(event.id);
				this.#failedAt.delete(event.id);
			} catch {
				// Left in the outbox: told again after the grace period.
				this.#failedAt.delete(event.id);
				this.#failedAt.set(event.id, this.#manager.now());
				// Bounded: the oldest failures are forgotten first (and then simply tried again).
				if (this.#failedAt.size > 10_000) this.#failedAt.delete(this.#failedAt.keys().next().value as string);
			} finally {
				this.#inFlight.delete(event.id);
			}
		}
		const kept = events.filter((event) => told.has(event.id) && isKeptUntilDelivered(event.type));
		if (kept.length > 0) await this.#clear(key, kept).catch(() => {});
		return told;
	}

	/**
	 * Every event in the store's outbox index older than the grace period, told again: a page of connections at a
	 * time, up to `limit` connections. Resolves how many events were told.
	 */
	public async drain(options: { limit?: number; signal?: AbortSignal } = {}): Promise<number> {
		const { access } = this.#manager;
		const list = access.store.listPendingEvents;
		if (list === undefined || !this.enabled) return 0;
		let left = options.limit ?? 10_000;
		let after: string | undefined;
		let told = 0;
		while (left > 0) {
			const limit = Math.min(left, 100);
			const page = await access.call(
				"(pending events)",
				"listPendingEvents",
				(call) => list.call(access.store, { ...call, limit, ...(after === undefined ? {} : { after }) }),
				options.signal,
			);
			for (const { key, tokens } of page) {
				const overdue = (tokens.pendingEvents ?? []).filter((event) => this.#isOverdue(event));
				if (overdue.length > 0) told += (await this.deliver(key, overdue)).size;
			}
			if (page.length < limit) break;
			left -= page.length;
			after = page.at(-1)?.key;
		}
		return told;
	}

	#isOverdue(event: PendingConnectionEvent): boolean {
		const since = this.#manager.now() - this.#graceMs;
		return event.at <= since && (this.#failedAt.get(event.id) ?? since) <= since && !this.#inFlight.has(event.id);
	}

	/**
	 * Takes the told events out of the record, under its lease (so it never lands inside a refresh) and at the
	 * same version: only bookkeeping changes, so nobody waiting on the version takes it for a refresh. Backs off
	 * while the lease is busy; what it cannot clear is told again later, and dropped by `id` downstream.
	 *
	 * A told `deleted` still last in the outbox is a delete cut short (its process died before it): it is finished.
	 */
	async #clear(key: string, told: readonly PendingConnectionEvent[]): Promise<void> {
		const { access } = this.#manager;
		const ids = new Set(told.map((event) => event.id));
		for (const delayMs of backoff({ firstMs: 50, maxMs: 2_000, attempts: 8, jitter: true })) {
			const keeper = await this.#manager.tryLease(key);
			if (keeper !== null) {
				try {
					const current = await access.get(key);
					const pending = current?.pendingEvents;
					if (current === null || pending === undefined || !pending.some((event) => ids.has(event.id))) return;
					const last = pending.at(-1);
					// A new sign-in landing between this read and the delete would be lost with it: that takes a crash
					// mid-delete and a sign-in inside the same round trip. Stores have no fenced delete to close it.
					if (last?.type === "deleted" && ids.has(last.id)) {
						await access.call(key, "delete", (call) => access.store.delete(key, call));
						return;
					}
					if (await access.compareAndSet(key, current.version, withoutPendingEvents(current, ids))) return;
				} finally {
					await keeper.release().catch(() => {});
				}
			}
			await sleep(delayMs);
		}
	}
}
