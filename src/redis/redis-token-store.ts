import type { Redis } from "ioredis";
import { isStoredTokenSet, type StoredTokenSet, type TokenStore, type TokenStoreLock } from "../tokens/token-store.js";

export interface RedisTokenStoreOptions {
	/** An ioredis client — e.g. the one your BullMQ queues already use. */
	client: Redis;
	/** Key prefix. Default `"atlassian-3lo:"`. */
	prefix?: string;
	/**
	 * How long a token set lives without being written, in ms. Default 90 days: Atlassian refresh tokens
	 * die after 90 days unused, so a record older than that is dead anyway. Every refresh renews it.
	 */
	ttlMs?: number;
}

/** A stored record is not a token set this library wrote (corrupt, or another program's key). */
export class CorruptTokenRecordError extends Error {
	public key: string;

	constructor(key: string) {
		super(`The Redis record for "${key}" is not a valid token set; delete it or sign the user in again`);
		this.name = "CorruptTokenRecordError";
		this.key = key;
	}
}

// Compare-and-delete: a process whose lock expired and was taken over cannot release the new holder's lock.
const RELEASE_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/**
 * A `TokenStore` on Redis, shared by every process: token sets as JSON with a TTL, and a refresh lock
 * taken with `SET key owner NX PX ttl` and released with a compare-and-delete Lua script.
 */
export class RedisTokenStore implements TokenStore {
	readonly #client: Redis;
	readonly #prefix: string;
	readonly #ttlMs: number;

	constructor(options: RedisTokenStoreOptions) {
		this.#client = options.client;
		this.#prefix = options.prefix ?? "atlassian-3lo:";
		this.#ttlMs = options.ttlMs ?? 90 * 24 * 60 * 60 * 1000;
	}

	public async get(key: string): Promise<StoredTokenSet | null> {
		const raw = await this.#client.get(this.#tokensKey(key));
		if (raw === null) {
			return null;
		}
		let parsed: unknown;
		try {
			parsed = JSON.parse(raw);
		} catch {
			throw new CorruptTokenRecordError(key);
		}
		if (!isStoredTokenSet(parsed)) {
			throw new CorruptTokenRecordError(key);
		}
		return parsed;
	}

	public async set(key: string, tokens: StoredTokenSet): Promise<void> {
		await this.#client.set(this.#tokensKey(key), JSON.stringify(tokens), "PX", this.#ttlMs);
	}

	public async delete(key: string): Promise<void> {
		await this.#client.del(this.#tokensKey(key));
	}

	public async lock(key: string, ttlMs: number): Promise<TokenStoreLock | null> {
		const lockKey = `${this.#prefix}lock:${key}`;
		const owner = crypto.randomUUID();
		const acquired = await this.#client.set(lockKey, owner, "PX", ttlMs, "NX");
		if (acquired !== "OK") {
			return null;
		}
		return {
			release: async () => {
				await this.#client.eval(RELEASE_SCRIPT, 1, lockKey, owner);
			},
		};
	}

	#tokensKey(key: string): string {
		return `${this.#prefix}tokens:${key}`;
	}
}
