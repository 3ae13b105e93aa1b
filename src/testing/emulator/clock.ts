/** The emulator's clock: the given one (default `Date.now`) plus however far a test moved it forward. */
export class EmulatorClock {
	readonly #now: () => number;
	#offsetMs = 0;

	constructor(now: () => number = Date.now) {
		this.#now = now;
	}

	public now(): number {
		return this.#now() + this.#offsetMs;
	}

	public advance(ms: number): void {
		this.#offsetMs += ms;
	}
}
