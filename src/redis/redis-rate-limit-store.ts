import type { Cluster, Redis } from "ioredis";
import type { RateLimitHold, RateLimitSlot, RateLimitStore } from "../atlassian/rate-limit-store.js";
import { type SharedSubscriber, sharedSubscriber } from "./shared-subscriber.js";

export interface RedisRateLimitStoreOptions {
	/** An ioredis client or `Cluster`: every key of the budget shares one slot, by its hash tag. */
	client: Redis | Cluster;
	/** Key prefix. Default `"atlassian-3lo:"`, as `RedisTokenStore`'s. */
	prefix?: string;
	/**
	 * Where a recorded hold is heard by every budget at once: a connection of the store's own by default
	 * (`client.duplicate()`, opened on the first watch), one you pass (shared with `RedisTokenStore` if you like),
	 * or `false`, so that budgets re-read every `refreshMs`.
	 */
	subscriber?: Redis | Cluster | false;
}

// A hold is a key of its own that expires with it (PXAT), indexed by its end for snapshots. Of pauses the later end
// wins; a pace (ARGV[5]) replaces the one before, since each near-limit answer says anew what is left.
const HOLD_SCRIPT = `local current = redis.call("GET", KEYS[1])
if current then
  local held = cjson.decode(current)
  local incoming = tonumber(ARGV[2])
  if ARGV[5] ~= "pace" and held["until"] >= incoming then return 0 end
end
redis.call("SET", KEYS[1], ARGV[1], "PXAT", ARGV[2])
redis.call("ZADD", KEYS[2], ARGV[2], KEYS[1])
redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", ARGV[3])
redis.call("PUBLISH", ARGV[4], "hold")
return 1`;

// GCRA over several keys at once, all or none: ARGV = now, latest, then interval, tolerance and until (0: none) per
// key; a key holds "due:until". A pace's booking is forgotten after its until, so the next window starts afresh,
// and it holds no call past it.
const RESERVE_SCRIPT = `local now = tonumber(ARGV[1])
local function due(key)
  local value = redis.call("GET", key)
  if not value then return now end
  local booked, ended = string.match(value, "^([^:]+):(.+)$")
  if tonumber(ended) > 0 and tonumber(ended) <= now then return now end
  return tonumber(booked)
end
local at = now
for i, key in ipairs(KEYS) do
  local candidate = due(key) - tonumber(ARGV[1 + 3 * i])
  local ends = tonumber(ARGV[2 + 3 * i])
  if ends > 0 then candidate = math.min(candidate, ends) end
  at = math.max(at, candidate)
end
if at > tonumber(ARGV[2]) then return nil end
for i, key in ipairs(KEYS) do
  local booked = math.max(due(key), at) + tonumber(ARGV[3 * i])
  local ends = tonumber(ARGV[2 + 3 * i])
  redis.call("SET", key, tostring(booked) .. ":" .. tostring(ends), "PX", math.ceil(math.max(booked, ends) - now) + 60000)
end
return tostring(at)`;

/** The `RateLimitStore` on Redis: every worker's budget, one slot, with pub/sub so a pause holds everywhere at once. */
export class RedisRateLimitStore implements RateLimitStore {
	readonly #client: Redis | Cluster;
	readonly #prefix: string;
	readonly #subscriber: () => SharedSubscriber | undefined;
	#ownSubscriber: Redis | Cluster | undefined;

	constructor(options: RedisRateLimitStoreOptions) {
		this.#client = options.client;
		this.#prefix = `${options.prefix ?? "atlassian-3lo:"}{ratelimit}`;
		const { subscriber } = options;
		if ((subscriber as unknown) === (options.client as unknown)) {
			throw new TypeError(
				"subscriber must be a connection of its own (client.duplicate()): a subscribed connection can run no other command",
			);
		}
		let shared: SharedSubscriber | undefined;
		this.#subscriber = () => {
			if (subscriber === false) return undefined;
			if (shared === undefined) {
				if (subscriber === undefined) {
					const own = this.#client.duplicate();
					// A failing notification connection only costs re-reads; it must not crash the process.
					own.on("error", () => {});
					this.#client.once("end", () => own.disconnect());
					this.#ownSubscriber = own;
				}
				shared = sharedSubscriber(subscriber ?? (this.#ownSubscriber as Redis | Cluster));
			}
			return shared;
		};
	}

	public async getHolds(scopes: readonly string[], now: number): Promise<RateLimitHold[]> {
		if (scopes.length === 0) return [];
		const keys = scopes.flatMap((scope) => [this.#hold("pause", scope), this.#hold("pace", scope)]);
		const values = await this.#client.mget(...keys);
		return values.flatMap((value) => {
			const hold = parseHold(value);
			return hold !== null && hold.until > now ? [hold] : [];
		});
	}

	public async hold(hold: RateLimitHold): Promise<void> {
		const key = this.#hold(hold.intervalMs === undefined ? "pause" : "pace", hold.scope);
		await this.#client.eval(
			HOLD_SCRIPT,
			2,
			key,
			`${this.#prefix}:holds`,
			JSON.stringify(hold),
			Math.ceil(hold.until),
			Date.now(),
			this.#channel,
			hold.intervalMs === undefined ? "pause" : "pace",
		);
	}

	public async reserveSlots(slots: readonly RateLimitSlot[], now: number, latest: number): Promise<number | null> {
		if (slots.length === 0) return now;
		const keys = slots.map((slot) => `${this.#prefix}:slot:${slot.key}`);
		const args = slots.flatMap((slot) => [slot.intervalMs, slot.toleranceMs, slot.until ?? 0]);
		const at = await this.#client.eval(RESERVE_SCRIPT, keys.length, ...keys, now, latest, ...args);
		return at === null ? null : Number(at);
	}

	public async countRateLimited(reason: string, at: number): Promise<void> {
		const key = `${this.#prefix}:429s`;
		await this.#client
			.multi()
			.hincrby(key, `${Math.floor(at / 60_000)}\u0000${reason}`, 1)
			.pexpire(key, 7_200_000)
			.exec();
	}

	public async snapshot(now: number, since: number): Promise<{ holds: RateLimitHold[]; rateLimited: Record<string, number> }> {
		const [keys, counts] = await Promise.all([
			this.#client.zrangebyscore(`${this.#prefix}:holds`, now + 1, "+inf"),
			this.#client.hgetall(`${this.#prefix}:429s`),
		]);
		const values = keys.length === 0 ? [] : await this.#client.mget(...keys);
		const holds = values.flatMap((value) => {
			const hold = parseHold(value);
			return hold !== null && hold.until > now ? [hold] : [];
		});
		const rateLimited: Record<string, number> = {};
		for (const [field, count] of Object.entries(counts)) {
			const [minute, reason = ""] = field.split("\u0000");
			if (Number(minute) * 60_000 >= since - 59_999) rateLimited[reason] = (rateLimited[reason] ?? 0) + Number(count);
		}
		return { holds, rateLimited };
	}

	public watch(listener: () => void): () => void {
		return this.#subscriber()?.add(this.#channel, listener) ?? (() => {});
	}

	/** Closes the notification connection the store opened itself; `client` and a `subscriber` you passed stay open. */
	public async close(): Promise<void> {
		const own = this.#ownSubscriber;
		this.#ownSubscriber = undefined;
		if (own !== undefined) await own.quit().catch(() => own.disconnect());
	}

	get #channel(): string {
		return `${this.#prefix}:holds`;
	}

	#hold(kind: "pause" | "pace", scope: string): string {
		return `${this.#prefix}:${kind}:${scope}`;
	}
}

function parseHold(value: string | null): RateLimitHold | null {
	if (value === null) return null;
	try {
		const hold = JSON.parse(value) as RateLimitHold;
		return typeof hold.scope === "string" && typeof hold.until === "number" && typeof hold.reason === "string" ? hold : null;
	} catch {
		return null;
	}
}
