/**
 * Listeners by key, for a store's `watch()`: each store calls `notify(key)` when it learns of a change, however
 * it learns of it (its own write, a Redis message, a Postgres notification). Listeners run in a microtask,
 * never inside the store call that caused them, and a throwing listener does not stop the others.
 */
export class ChangeListeners {
	readonly #listeners = new Map<string, Set<() => void>>();
	readonly #onFirst: ((key: string) => void) | undefined;
	readonly #onLast: ((key: string) => void) | undefined;

	/** `onFirst` / `onLast`: a key gained its first listener, or lost its last (to subscribe and unsubscribe a channel). */
	constructor(hooks: { onFirst?: (key: string) => void; onLast?: (key: string) => void } = {}) {
		this.#onFirst = hooks.onFirst;
		this.#onLast = hooks.onLast;
	}

	public add(key: string, listener: () => void): () => void {
		let set = this.#listeners.get(key);
		if (set === undefined) {
			set = new Set();
			this.#listeners.set(key, set);
			this.#onFirst?.(key);
		}
		// Wrapped, so that one function added twice is two subscriptions.
		const entry = () => listener();
		set.add(entry);
		return () => {
			if (!set.delete(entry) || set.size > 0) return;
			this.#listeners.delete(key);
			this.#onLast?.(key);
		};
	}

	public notify(key: string): void {
		const set = this.#listeners.get(key);
		if (set === undefined) return;
		for (const listener of [...set]) {
			queueMicrotask(() => {
				try {
					listener();
				} catch {
					// A listener's failure is its own.
				}
			});
		}
	}

	/** Drops every listener (a closed store), without calling `onLast`. */
	public clear(): void {
		this.#listeners.clear();
	}

	public get keys(): number {
		return this.#listeners.size;
	}
}
