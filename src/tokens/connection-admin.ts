import { type ConnectionInfo, connectionInfo } from "./connection.js";
import { TokenNotFoundError } from "./errors.js";
import type { RefreshContext } from "./refresh-context.js";
import { underLease } from "./refresh-lease.js";
import type { StoreAccess } from "./store-access.js";
import type { ConnectionPage, ListConnectionsOptions } from "./token-manager-options.js";
import { CONNECTION_STATUSES, checkListLimit } from "./token-store.js";

// What an operator does to connections: list them, and disable or enable one.

/** `TokenManager.listConnections()`: one page through the store's index, as `ConnectionInfo`s. */
export async function listConnections(access: StoreAccess, options: ListConnectionsOptions): Promise<ConnectionPage> {
	const { listConnections: list } = access.store;
	if (list === undefined) {
		throw new TypeError("listConnections() needs a TokenStore with listConnections(); this store has none");
	}
	const limit = options.limit ?? 100;
	checkListLimit(limit);
	if (options.status !== undefined && !CONNECTION_STATUSES.includes(options.status)) {
		throw new TypeError(`status must be one of ${CONNECTION_STATUSES.join(", ")}, got ${String(options.status)}`);
	}
	const after = options.cursor ?? undefined;
	const page = await access.call(
		after ?? "(first page)",
		"listConnections",
		(call) => list.call(access.store, { ...call, limit, after, status: options.status }),
		options.signal,
	);
	return {
		connections: page.map(({ key, tokens }) => connectionInfo(key, tokens)),
		cursor: page.length < limit ? null : (page.at(-1)?.key ?? null),
	};
}

/**
 * `disable()` / `enable()`: a fenced write made under the connection's lease, so that it never lands between a
 * refresh's send and the write of its answer (the refresh would then lose the rotated token).
 */
export async function setDisabled(
	context: RefreshContext,
	key: string,
	disabled: boolean,
	signal: AbortSignal | undefined,
): Promise<ConnectionInfo> {
	const { access } = context;
	const changed = await underLease(context, key, async () => {
		for (let attempt = 1; attempt <= 10; attempt++) {
			const current = await access.get(key, signal);
			if (current === null) {
				throw new TokenNotFoundError(key);
			}
			if ((current.disabledAt !== undefined) === disabled) {
				return current;
			}
			const { disabledAt: _, ...enabled } = current;
			const { tokens: next, event } = context.events.stage(
				disabled ? "disable" : "enable",
				current,
				disabled ? { ...current, disabledAt: context.now(), version: current.version + 1 } : { ...enabled, version: current.version + 1 },
			);
			if (await access.compareAndSet(key, current.version, next, signal)) {
				context.events.written(key, event);
				return next;
			}
		}
		throw new Error(`Could not ${disabled ? "disable" : "enable"} "${key}": its record changed on every one of 10 attempts`);
	});
	return connectionInfo(key, changed);
}
