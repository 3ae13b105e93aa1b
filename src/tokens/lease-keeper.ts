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
	/** Aborted when the lease may lapse within `#lapseMarginMs` (see `lapseSignal`). */
	#lapse: AbortController | undefined;
	#lapseMarginMs = 0;
	#lapseTimer: ReturnType<typeof setTimeout> | undefined;

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
			this.#watchLapse();
			return false;
		}
		this.#validUntil = Math.max(this.#validUntil, sentAt + this.#ttlMs);
		this.#watchLapse();
		return true;
	}

	/**
	 * A signal that aborts once the lease is lost, or is no longer certainly held for `marginMs` more (renewals
	 * failed): work done under the lease, such as a refresh request, is given up before the lease could lapse.
	 */
	public lapseSignal(marginMs: number): AbortSignal {
		this.#lapse ??= new AbortController();
		this.#lapseMarginMs = marginMs;
		this.#watchLapse();
		return this.#lapse.signal;
	}

	#watchLapse(): void {
		const lapse = this.#lapse;
		if (lapse === undefined || lapse.signal.aborted) return;
		clearTimeout(this.#lapseTimer);
		const abort = () =>
			lapse.abort(new DOMException("The refresh lease could not be renewed and may lapse: the request was given up", "TimeoutError"));
		const inMs = this.#validUntil - this.#lapseMarginMs - Date.now();
		if (this.#lost || inMs <= 0) {
			abort();
			return;
		}
		this.#lapseTimer = setTimeout(abort, inMs);
		(this.#lapseTimer as { unref?: () => void }).unref?.();
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
		clearTimeout(this.#lapseTimer);
		this.#lapse = undefined;
		if (this.#lost) return;
		this.#lost = true;
		await this.#release(this.#lease).catch(() => {});
	}
}
