import type { RateLimitHold, RateLimitSlot, RateLimitStore } from "../atlassian/rate-limit-store.js";
import { defaultListener, type PostgresListener, sharedChannel } from "./pg-listener.js";
import type { PostgresClient } from "./postgres-token-store.js";
import { isConcurrentCreation, quotedTable } from "./schema.js";

export const DEFAULT_RATE_LIMIT_TABLE = "atlassian_rate_limits";

export interface PostgresRateLimitStoreOptions {
	/** node-postgres' `Pool` or `Client`, PGlite, or any client with `query(text, params)`. */
	client: PostgresClient;
	/** The table, optionally schema-qualified. Default `"atlassian_rate_limits"`. Create it with `ensureSchema()`. */
	table?: string;
	/**
	 * Where a recorded hold is heard by every budget at once (`LISTEN`): by default the client itself when it can
	 * listen (PGlite), or a `pgListener` of the store's own on one connection of a node-postgres pool; `false`, so
	 * that budgets re-read every `refreshMs`.
	 */
	listener?: PostgresListener | false;
}

/**
 * The `RateLimitStore` on PostgreSQL: one small table of holds, slots and 429 counts, each row a key. A recorded
 * hold notifies (`NOTIFY`), so a pause holds in every worker at once. No session state: it works through poolers.
 */
export class PostgresRateLimitStore implements RateLimitStore {
	readonly #client: PostgresClient;
	readonly #table: string;
	readonly #name: string;
	readonly #channel: string;
	readonly #listener: PostgresListener | undefined;
	/** Gives back the connection of the listener the store made itself (the default for a pool). */
	#closeOwnListener: () => Promise<void> = async () => {};

	constructor(options: PostgresRateLimitStoreOptions) {
		if (typeof options?.client?.query !== "function") {
			throw new TypeError("PostgresRateLimitStore needs a client with query(text, params): a pg Pool or Client, or PGlite");
		}
		this.#client = options.client;
		this.#table = options.table ?? DEFAULT_RATE_LIMIT_TABLE;
		this.#name = quotedTable(this.#table).name;
		this.#channel = `${this.#table.replace(".", "_").toLowerCase().slice(0, 55)}_held`;
		const own = options.listener === undefined ? defaultListener(options.client) : undefined;
		if (own !== undefined) this.#closeOwnListener = own.close;
		this.#listener = options.listener === false ? undefined : (options.listener ?? own?.listener);
	}

	/** Creates the table if it is missing. Safe to run twice, and from several processes at once. */
	public async ensureSchema(): Promise<void> {
		try {
			await this.#client.query(
				`CREATE TABLE IF NOT EXISTS ${this.#name} (
	-- "pause {scope}" / "pace {scope}": a hold until until_ms (its JSON in data); "slot {key}": its next due time;
	-- "429 {minute} {reason}": how many 429s that minute. Rows past their time are deleted as new ones come.
	key text PRIMARY KEY,
	until_ms double precision NOT NULL,
	data text,
	count bigint
)`,
				[],
			);
		} catch (error) {
			if (!isConcurrentCreation(error)) throw error;
		}
	}

	public async getHolds(scopes: readonly string[], now: number): Promise<RateLimitHold[]> {
		const keys = scopes.flatMap((scope) => [`pause ${scope}`, `pace ${scope}`]);
		const { rows } = await this.#client.query(`SELECT data FROM ${this.#name} WHERE key = ANY($1::text[]) AND until_ms > $2`, [keys, now]);
		return rows.flatMap((row) => parseHold(row.data));
	}

	public async hold(hold: RateLimitHold): Promise<void> {
		const key = `${hold.intervalMs === undefined ? "pause" : "pace"} ${hold.scope}`;
		// Of pauses the later end wins; a pace replaces the one before (what is left changed). A new hold tells every
		// listener. Holds past their end are swept as new ones come.
		await this.#client.query(
			`WITH swept AS (DELETE FROM ${this.#name} WHERE key LIKE 'pa%' AND until_ms < $4 AND key <> $1),
			held AS (
				INSERT INTO ${this.#name} AS existing (key, until_ms, data) VALUES ($1, $2, $3)
				ON CONFLICT (key) DO UPDATE SET until_ms = EXCLUDED.until_ms, data = EXCLUDED.data
				WHERE existing.until_ms < EXCLUDED.until_ms OR $1 LIKE 'pace %'
				RETURNING key)
			SELECT pg_notify($5::text, key) FROM held`,
			[key, hold.until, JSON.stringify(hold), Date.now(), this.#channel],
		);
	}

	public async reserveSlots(slots: readonly RateLimitSlot[], now: number, latest: number): Promise<number | null> {
		if (slots.length === 0) return now;
		const keys = slots.map((slot) => `slot ${slot.key}`);
		// Rows first, so that the locking statement below finds (and locks) every key, new ones included.
		await this.#client.query(
			`INSERT INTO ${this.#name} (key, until_ms) SELECT key, $2 FROM unnest($1::text[]) AS key ON CONFLICT (key) DO NOTHING`,
			[keys, now],
		);
		// GCRA over every key at once, all or none: lock the rows, take the latest due time less its tolerance.
		const { rows } = await this.#client.query(
			`WITH input AS (
				SELECT * FROM unnest($1::text[], $2::double precision[], $3::double precision[], $6::double precision[])
					AS i(key, interval_ms, tolerance_ms, ends)),
			locked AS (
				-- A booking whose pace ended (its end kept in data) is forgotten: a new window starts afresh.
				SELECT t.key, CASE WHEN t.data IS NOT NULL AND t.data::double precision <= $4 THEN $4 ELSE GREATEST(t.until_ms, $4) END AS due
				FROM ${this.#name} t JOIN input USING (key) ORDER BY t.key FOR UPDATE OF t),
			slot AS (
				SELECT GREATEST($4::double precision, MAX(LEAST(locked.due - input.tolerance_ms, COALESCE(input.ends, 'Infinity'))))
					AS at FROM locked JOIN input USING (key)),
			booked AS (
				UPDATE ${this.#name} t SET until_ms = GREATEST(locked.due, slot.at) + input.interval_ms, data = input.ends::text
				FROM locked JOIN input USING (key), slot
				WHERE t.key = locked.key AND slot.at <= $5
				RETURNING t.key)
			SELECT slot.at, (SELECT count(*) FROM booked) AS booked FROM slot`,
			[
				keys,
				slots.map((slot) => slot.intervalMs),
				slots.map((slot) => slot.toleranceMs),
				now,
				latest,
				slots.map((slot) => slot.until ?? null),
			],
		);
		const at = Number(rows[0]?.at);
		return Number.isFinite(at) && at <= latest ? at : null;
	}

	public async countRateLimited(reason: string, at: number): Promise<void> {
		const minute = Math.floor(at / 60_000);
		await this.#client.query(
			`WITH swept AS (DELETE FROM ${this.#name} WHERE key LIKE '429 %' AND until_ms < $3)
			INSERT INTO ${this.#name} AS existing (key, until_ms, data, count) VALUES ($1, $2, $4, 1)
			ON CONFLICT (key) DO UPDATE SET count = existing.count + 1`,
			[`429 ${minute} ${reason}`, minute * 60_000, at - 7_200_000, reason],
		);
	}

	public async snapshot(now: number, since: number): Promise<{ holds: RateLimitHold[]; rateLimited: Record<string, number> }> {
		const { rows } = await this.#client.query(
			`SELECT key, data, count FROM ${this.#name} WHERE (key LIKE 'pa%' AND until_ms > $1) OR (key LIKE '429 %' AND until_ms >= $2)`,
			[now, since - 59_999],
		);
		const holds: RateLimitHold[] = [];
		const rateLimited: Record<string, number> = {};
		for (const row of rows) {
			if (String(row.key).startsWith("429 ")) {
				const reason = String(row.data);
				rateLimited[reason] = (rateLimited[reason] ?? 0) + Number(row.count);
			} else holds.push(...parseHold(row.data));
		}
		return { holds, rateLimited };
	}

	public watch(listener: () => void): () => void {
		if (this.#listener === undefined) return () => {};
		// A failed LISTEN only costs re-reads every refreshMs.
		return sharedChannel(
			this.#listener,
			this.#channel,
			() => listener(),
			() => {},
		);
	}

	/** Gives back the connection the store's own listener holds; `client` and a `listener` you passed stay open. */
	public async close(): Promise<void> {
		await this.#closeOwnListener();
	}
}

function parseHold(data: unknown): RateLimitHold[] {
	try {
		const hold = JSON.parse(String(data)) as RateLimitHold;
		return typeof hold.scope === "string" && typeof hold.until === "number" && typeof hold.reason === "string" ? [hold] : [];
	} catch {
		return [];
	}
}
