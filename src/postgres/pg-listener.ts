/** LISTEN for PostgresTokenStore: the listener interface, pgListener on node-postgres, and listening shared among stores. */

/**
 * Where notifications come from: `LISTEN` on a connection of its own. PGlite has this method as it is; for
 * node-postgres, `pgListener(pool)` makes one.
 */
export interface PostgresListener {
	listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}

/** What `pgListener` needs of a node-postgres pool: a client of its own, kept for `LISTEN`. */
export interface PgListenerPool {
	connect(): Promise<PgListenerClient>;
}

export interface PgListenerClient {
	query(text: string): Promise<unknown>;
	on(event: string, listener: (...args: never[]) => void): unknown;
	release(error?: Error | boolean): void;
}

/** node-postgres internals read when present: a client's socket (a pool's `ending` is read where it is needed). */
interface NodePostgresInternals {
	connection?: { stream?: { unref?(): void } };
}

/**
 * A `PostgresListener` on node-postgres: one client taken from `pool` and kept for `LISTEN`. When that
 * connection breaks, it takes another and listens again (every second until it can); meanwhile waiters poll.
 * It never keeps a process alive by itself (its socket is unref'd), and it gives its client back as soon as the
 * pool starts ending, so `pool.end()` does not wait for it.
 */
export function pgListener(pool: PgListenerPool): PostgresListener & { close(): Promise<void> } {
	const channels = new Map<string, Set<(payload: string) => void>>();
	let client: PgListenerClient | undefined;
	let connecting: Promise<PgListenerClient> | undefined;
	let closed = false;
	/** The pending attempt to listen again after the connection broke; close() cancels it. */
	let retry: ReturnType<typeof setTimeout> | undefined;
	/** Gives the current client back to the pool, once, whoever notices first: an error, its end, or close(). */
	let releaseCurrent: (error?: Error) => void = () => {};

	const quoted = (channel: string) => `"${channel.replace(/"/g, '""')}"`;

	async function connect(): Promise<PgListenerClient> {
		if (closed) throw new Error("pgListener is closed");
		const fresh = await pool.connect();
		let released = false;
		const release = (error?: Error) => {
			if (released) return;
			released = true;
			if (client === fresh) client = undefined;
			fresh.release(error ?? true);
		};
		const onBroken = (error?: Error) => {
			if (released) return;
			release(error);
			if (!closed && channels.size > 0) {
				retry = setTimeout(() => {
					retry = undefined;
					ensure().catch(() => {});
				}, 1_000);
			}
		};
		fresh.on("error", onBroken as (...args: never[]) => void);
		fresh.on("end", (() => onBroken()) as (...args: never[]) => void);
		(fresh as NodePostgresInternals).connection?.stream?.unref?.();
		fresh.on("notification", ((message: { channel: string; payload?: string }) => {
			for (const callback of channels.get(message.channel) ?? []) callback(message.payload ?? "");
		}) as (...args: never[]) => void);
		try {
			for (const channel of channels.keys()) await fresh.query(`LISTEN ${quoted(channel)}`);
		} catch (error) {
			release(error as Error);
			throw error;
		}
		// Closed while connecting: the connection goes back now rather than being held for nobody.
		if (closed) {
			release();
			throw new Error("pgListener is closed");
		}
		client = fresh;
		releaseCurrent = release;
		watchPoolEnd();
		return fresh;
	}

	/** pg-pool's end() waits for every client it lent: while this one is held, look for the pool ending, and give it back. */
	let poolEndWatch: ReturnType<typeof setInterval> | undefined;
	function watchPoolEnd(): void {
		if (poolEndWatch !== undefined || !("ending" in (pool as object))) return;
		poolEndWatch = setInterval(() => {
			if ((pool as { ending?: boolean }).ending) void listener.close();
		}, 100);
		(poolEndWatch as { unref?: () => void }).unref?.();
	}

	function ensure(): Promise<PgListenerClient> {
		if (client !== undefined) return Promise.resolve(client);
		connecting ??= connect().finally(() => {
			connecting = undefined;
		});
		return connecting;
	}

	const listener: PostgresListener & { close(): Promise<void> } = {
		async listen(channel, callback) {
			let callbacks = channels.get(channel);
			if (callbacks === undefined) {
				callbacks = new Set();
				channels.set(channel, callbacks);
			}
			callbacks.add(callback);
			const forget = () => {
				callbacks.delete(callback);
				if (callbacks.size === 0 && channels.get(channel) === callbacks) channels.delete(channel);
			};
			try {
				// Also when the connection is older than this channel. LISTEN twice is harmless.
				await (await ensure()).query(`LISTEN ${quoted(channel)}`);
			} catch (error) {
				forget(); // the caller may try again, without a stale callback left behind
				throw error;
			}
			return async () => {
				forget();
				if (!channels.has(channel)) await client?.query(`UNLISTEN ${quoted(channel)}`).catch(() => {});
			};
		},
		async close() {
			closed = true;
			clearTimeout(retry);
			clearInterval(poolEndWatch);
			channels.clear();
			releaseCurrent();
		},
	};
	return listener;
}

interface SharedChannel {
	/** Each store's callback, and what to tell it if the LISTEN fails. */
	members: Map<(payload: string) => void, () => void>;
	unlisten: Promise<() => Promise<void>>;
}

/** The stores listening on one channel through one listener: it listens once, and stops after the last store left. */
const sharedChannels = new WeakMap<PostgresListener, Map<string, SharedChannel>>();

/** Joins `channel` on `listener`; returns how to leave it. `onFailed`: the LISTEN failed, and this store is no longer on it. */
export function sharedChannel(
	listener: PostgresListener,
	channel: string,
	callback: (payload: string) => void,
	onFailed: () => void,
): () => void {
	let channels = sharedChannels.get(listener);
	if (channels === undefined) {
		channels = new Map();
		sharedChannels.set(listener, channels);
	}
	const byChannel = channels;
	let shared = byChannel.get(channel);
	if (shared === undefined) {
		const members = new Map<(payload: string) => void, () => void>();
		const created: SharedChannel = {
			members,
			unlisten: listener.listen(channel, (payload) => {
				for (const member of [...members.keys()]) member(payload);
			}),
		};
		created.unlisten.catch(() => {
			if (byChannel.get(channel) === created) byChannel.delete(channel);
			for (const failed of [...members.values()]) failed();
			members.clear();
		});
		byChannel.set(channel, created);
		shared = created;
	}
	const joined = shared;
	const member = (payload: string) => callback(payload);
	joined.members.set(member, onFailed);
	return () => {
		if (!joined.members.delete(member) || joined.members.size > 0) return;
		if (byChannel.get(channel) === joined) byChannel.delete(channel);
		joined.unlisten.then((unlisten) => unlisten()).catch(() => {});
	};
}

/**
 * The listener a store uses when it is given none: the client itself when it can listen (PGlite), or for a
 * node-postgres pool a `pgListener` of the store's own, made on first use (one connection of the pool), which
 * `close()` gives back. `undefined` for a client that can do neither: the store then polls or re-reads.
 */
export function defaultListener(client: unknown): { listener: PostgresListener; close(): Promise<void> } | undefined {
	const candidate = client as Partial<PostgresListener> & Partial<PgListenerPool>;
	if (typeof candidate.listen === "function") {
		return { listener: client as PostgresListener, close: async () => {} };
	}
	if (typeof candidate.connect !== "function") return undefined;
	let own: (PostgresListener & { close(): Promise<void> }) | undefined;
	return {
		listener: {
			listen: (channel, callback) => {
				own ??= pgListener(client as PgListenerPool);
				return own.listen(channel, callback);
			},
		},
		close: async () => {
			const made = own;
			own = undefined;
			await made?.close();
		},
	};
}
