/** The longest delay `setTimeout` honours: a longer one (or `Infinity`) fires at once in Node, Bun, Deno and browsers. */
export const MAX_TIMER_MS = 2_147_483_647;

/** `value`, if timers can honour it as a delay of at least `min` ms; otherwise a TypeError that names the option. */
export function checkTimerDuration(name: string, value: number, min = 1): number {
	if (!(typeof value === "number" && value >= min && value <= MAX_TIMER_MS)) {
		throw new TypeError(`${name} must be from ${min} to ${MAX_TIMER_MS} ms, got ${String(value)}`);
	}
	return value;
}
