/**
 * A sleep that a notification cuts short. A notification that arrives while nobody sleeps is kept, so the next
 * `sleep()` returns at once: a change between two checks is never slept through.
 */
export class Wakeup {
	#pending = false;
	#wake: (() => void) | undefined;

	public readonly notify = (): void => {
		const wake = this.#wake;
		if (wake === undefined) {
			this.#pending = true;
			return;
		}
		this.#wake = undefined;
		wake();
	};

	public sleep(ms: number): Promise<void> {
		if (this.#pending) {
			this.#pending = false;
			return Promise.resolve();
		}
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.#wake = undefined;
				resolve();
			}, ms);
			this.#wake = () => {
				clearTimeout(timer);
				resolve();
			};
		});
	}
}
