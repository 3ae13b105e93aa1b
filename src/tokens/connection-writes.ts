import type { RefreshContext } from "./refresh-context.js";
import type { StoredTokenSet } from "./token-store.js";

// The writes that begin and end a connection: a sign-in's save, and the first step of a delete.

/**
 * Stores a new sign-in's set over whatever is stored, fenced on the version read; events of the old grant not
 * told yet stay in the outbox, and `connected` joins them.
 */
export async function saveSignedIn(
	context: RefreshContext,
	key: string,
	fields: Omit<StoredTokenSet, "version">,
	signal: AbortSignal | undefined,
): Promise<StoredTokenSet> {
	const { access, events } = context;
	for (let attempt = 1; attempt <= 10; attempt++) {
		const { version, previous } = await readForSave(context, key, signal);
		const { tokens: stored, event } = events.stage("save", previous, {
			...fields,
			version: version + 1,
			...(previous?.pendingEvents === undefined ? {} : { pendingEvents: previous.pendingEvents }),
		});
		if (await access.compareAndSet(key, version, stored, signal)) {
			events.written(key, event);
			return stored;
		}
	}
	throw new Error(`Could not save the tokens of "${key}": its record changed on every one of 10 attempts`);
}

/**
 * The record a sign-in replaces and its version. Read whole only with events on, for its outbox; no record when
 * it cannot be read (a new sign-in replaces a corrupt one).
 */
async function readForSave(
	context: RefreshContext,
	key: string,
	signal: AbortSignal | undefined,
): Promise<{ version: number; previous: StoredTokenSet | null }> {
	const { access } = context;
	const previous = context.events.enabled ? await access.get(key, signal).catch(() => undefined) : undefined;
	if (previous !== undefined && previous !== null) return { version: previous.version, previous };
	return { version: await access.call(key, "getVersion", (call) => access.store.getVersion(key, call), signal), previous: null };
}

/**
 * The first step of a delete with events on: the `deleted` event is written into the record's outbox and told
 * before the record goes, so a process dying in between leaves it for a drain, which then finishes the delete.
 * The hook is waited for at most `waitMs`: a delete never waits on it longer.
 */
export async function recordDeletion(context: RefreshContext, key: string, waitMs: number, signal: AbortSignal | undefined): Promise<void> {
	const { access, events } = context;
	for (let attempt = 1; attempt <= 10; attempt++) {
		const current = await access.get(key, signal).catch(() => null);
		if (current === null) return;
		const { tokens, event } = events.stage("delete", current, { ...current, version: current.version + 1 });
		if (event === null) return;
		if (await access.compareAndSet(key, current.version, tokens, signal)) {
			await events.deliverWithin(key, event, waitMs);
			return;
		}
	}
}
