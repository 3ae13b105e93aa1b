export interface BackoffOptions {
	/** The first delay, ms. */
	firstMs: number;
	/** No delay is longer than this. */
	maxMs: number;
	/** Each delay is this many times the one before. Default 2. */
	factor?: number;
	/** Draw each delay from the upper half of its step, so that waiters started together spread out. Default false. */
	jitter?: boolean;
	/** How many delays there are. Default: no end. */
	attempts?: number;
}

/**
 * A retry schedule: `firstMs`, then each delay `factor` times the last, up to `maxMs`. The one backoff of the
 * package: lease waits, resends of a refresh token and writes of a rotated set all take their delays from it.
 */
export function* backoff(options: BackoffOptions): Generator<number, void, void> {
	const factor = options.factor ?? 2;
	const attempts = options.attempts ?? Number.POSITIVE_INFINITY;
	let stepMs = options.firstMs;
	for (let attempt = 0; attempt < attempts; attempt++) {
		yield options.jitter === true ? stepMs * (0.5 + Math.random() / 2) : stepMs;
		stepMs = Math.min(stepMs * factor, options.maxMs);
	}
}
