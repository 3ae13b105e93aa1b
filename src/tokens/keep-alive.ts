import type { RequestOptions } from "../oauth2/transport.js";
import { TokenDecryptionError } from "./encrypted-token-store.js";
import { CorruptTokenRecordError } from "./errors.js";
import type { KeepAliveOptions, KeepAliveReport } from "./token-manager-options.js";
import type { IdleKey, StoredTokenSet, TokenStore, TokenStoreCallOptions } from "./token-store.js";

const DAY_MS = 24 * 3600 * 1000;

/** What keepAlive() needs of its TokenManager: the store, the clock, bounded store calls, and the refresh protocol. */
export interface KeepAliveCapabilities {
	store: TokenStore;
	now(): number;
	call<T>(key: string, operation: string, call: (options: TokenStoreCallOptions) => Promise<T>, signal?: AbortSignal): Promise<T>;
	read(key: string, options: RequestOptions): Promise<StoredTokenSet | null>;
	/** Writes a record again as it is (one version up): a store then applies its index rules to it. */
	rewrite(key: string, stored: StoredTokenSet): Promise<unknown>;
	/** Whether a refresh sent at `sentAt` may still be sent again (inside Atlassian's reuse window). */
	mayResend(sentAt: number): boolean;
	/** One forced refresh of `key`, from `version`, shared with any in flight. */
	refresh(key: string, version: number, options: RequestOptions): Promise<unknown>;
}

/**
 * TokenManager.keepAlive(): refreshes connections idle for `idleDays`, at most `limit` refreshes a call, paging
 * past what it cannot refresh (reported in `skipped`), so dead connections never take a live one's place.
 */
export async function keepAlive(manager: KeepAliveCapabilities, options: KeepAliveOptions): Promise<KeepAliveReport> {
	const { store } = manager;
	const { listIdleKeys } = store;
	if (listIdleKeys === undefined) {
		throw new TypeError("keepAlive() needs a TokenStore with listIdleKeys(); this store has none");
	}
	const idleDays = options.idleDays ?? 30;
	const limit = options.limit ?? 100;
	if (!(idleDays >= 0 && Number.isFinite(idleDays)) || !(Number.isInteger(limit) && limit > 0)) {
		throw new TypeError(`keepAlive() needs idleDays ≥ 0 and a whole limit > 0, got ${String(idleDays)} and ${String(limit)}`);
	}
	const issuedBefore = manager.now() - idleDays * DAY_MS;
	const report: KeepAliveReport = { refreshed: [], failed: [], skipped: [], cursor: null };
	let after = parseKeepAliveCursor(options.cursor);
	for (;;) {
		const page: (IdleKey | string)[] = await manager.call(
			"(idle connections)",
			"listIdleKeys",
			(call) => listIdleKeys.call(store, issuedBefore, { limit, signal: call.signal, ...(after ? { after } : {}) }),
			options.signal,
		);
		for (const entry of page) {
			// A store written for 0.2 lists bare keys: it cannot be paged, so its one page is all there is.
			const key = typeof entry === "string" ? entry : entry.key;
			if (typeof entry !== "string") after = entry;
			const skipped = await keepAliveOne(manager, key, issuedBefore, report, options);
			if (!skipped && report.refreshed.length + report.failed.length === limit) {
				report.cursor = after === undefined ? null : `${after.issuedAt}:${after.key}`;
				return report;
			}
		}
		if (page.length < limit || page.some((entry) => typeof entry === "string")) {
			return report;
		}
	}
}

/** Refreshes one idle connection into `report`; `true` when it was skipped instead. */
async function keepAliveOne(
	manager: KeepAliveCapabilities,
	key: string,
	issuedBefore: number,
	report: KeepAliveReport,
	options: RequestOptions,
): Promise<boolean> {
	const skip = (reason: KeepAliveReport["skipped"][number]["reason"]) => {
		report.skipped.push({ key, reason });
		return true;
	};
	let stored: StoredTokenSet | null;
	try {
		// The index may lag behind the records: only what is idle now is refreshed.
		stored = await manager.read(key, options);
	} catch (error) {
		if (isUnreadable(error)) return skip("unreadable");
		report.failed.push({ key, error });
		return false;
	}
	if (stored === null) {
		return skip("not_found");
	}
	if (stored.disabledAt !== undefined) {
		return skip("disabled");
	}
	if (stored.reauthorizationRequired) {
		await manager.rewrite(key, stored).catch(() => false);
		return skip("reauthorization_required");
	}
	if ((stored.issuedAt ?? issuedBefore) >= issuedBefore) {
		return skip("not_idle");
	}
	if (stored.refreshSentAt !== undefined && !manager.mayResend(stored.refreshSentAt)) {
		return skip("refresh_outcome_unknown");
	}
	try {
		await manager.refresh(key, stored.version, options);
		report.refreshed.push(key);
	} catch (error) {
		report.failed.push({ key, error });
	}
	return false;
}

/** A record no process can read (corrupt, or sealed with a key it lacks): only a new sign-in replaces it. */
function isUnreadable(error: unknown): boolean {
	return error instanceof CorruptTokenRecordError || error instanceof TokenDecryptionError;
}

/** The position a keep-alive report's `cursor` names: `{issuedAt}:{key}`. */
function parseKeepAliveCursor(cursor: string | null | undefined): IdleKey | undefined {
	if (cursor === undefined || cursor === null) {
		return undefined;
	}
	const colon = cursor.indexOf(":");
	const issuedAt = Number(cursor.slice(0, colon));
	if (colon < 1 || !Number.isFinite(issuedAt)) {
		throw new TypeError(`keepAlive() cursor must be a report's cursor, got ${JSON.stringify(cursor.slice(0, 40))}`);
	}
	return { issuedAt, key: cursor.slice(colon + 1) };
}
