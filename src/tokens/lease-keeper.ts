import type { TokenStoreLease } from "./token-store.js";

/**
 * Keeps a refresh lease alive while its holder works: renews it every third of its TTL, and knows until
 * when it is certainly still held. Validity is counted from the moment each renewal (or the acquisition)
 * was *sent*, so a store that answers late (a stalled Redis) cannot make the holder overestimate it.
 */
export class LeaseKeeper {
	readonly #lease: TokenStoreLease;
	readonly #ttlMs: number;
	readonly #renew: (lease: TokenStoreLease, ttlMs: number) => Promise<boolean>;
	readonly #release: (lease: TokenStoreLease) => Promise<void>;
	readonly #timer: ReturnType<typeof setInterval>;
	#validUntil: number;
	#lost = false;
	#holders = 1;

	constructor(
		lease: TokenStoreLease,
		ttlMs: number,
		acquiredAt: number,
		calls: {
			renew: (lease: TokenStoreLease, ttlMs: number) => Promise<boolean>;
			release: (lease: TokenStoreLease) => Promise<void>;
		},
	) {
		this.#lease = lease;
		this.#ttlMs = ttlMs;
		this.#validUntil = acquiredAt + ttlMs;
		this.#renew = calls.renew;
		this.#release = calls.release;
		this.#timer = setInterval(() => void this.renew(), Math.max(1, Math.floor(ttlMs / 3)));
	}

	/** Renews now; `false` if the lease was lost, or the store did not answer (then validity is not extended). */
	public async renew(): Promise<boolean> {
		if (this.#lost) return false;
		const sentAt = Date.now();
		let held: boolean;
		try {
			held = await this.#renew(this.#lease, this.#ttlMs);
		} catch {
			return false;
		}
		if (!held) {
			this.#lost = true;
			return false;
		}
		this.#validUntil = Math.max(this.#validUntil, sentAt + this.#ttlMs);
		return true;
	}

	/** True when the lease is certainly held for at least `ms` more, renewing first if needed. */
	public async holdsFor(ms: number): Promise<boolean> {
		if (!this.#lost && this.#validUntil - Date.now() < ms) {
			await this.renew();
		}
		return !this.#lost && this.#validUntil - Date.now() >= ms;
	}

	/** One more party needs the lease (a write that goes on in the background): it is freed after every party released it. */
	public retain(): void {
		this.#holders++;
	}

	/** Stops renewing and frees the lease once no party needs it. A release that fails is harmless: the lease expires by itself. */
	public async release(): Promise<void> {
		if (--this.#holders > 0) return;
		clearInterval(this.#timer);
		if (this.#lost) return;
		this.#lost = true;
		await this.#release(this.#lease).catch(() => {});
	}
}
