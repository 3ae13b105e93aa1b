import { EventEmitter } from "node:events";
import { expect, it } from "vitest";
import { sleep } from "../../src/internal/sleep.js";

it("resolves after the delay, and leaves no listener on the signal", async () => {
	const controller = new AbortController();
	const started = Date.now();
	await sleep(30, controller.signal);
	expect(Date.now() - started).toBeGreaterThanOrEqual(25);
	expect(EventEmitter.getEventListeners(controller.signal, "abort")).toHaveLength(0);
});

it("rejects with the signal's reason as soon as it aborts, or at once if it already has", async () => {
	const controller = new AbortController();
	const reason = new Error("job cancelled");
	const started = Date.now();
	const waiting = sleep(10_000, controller.signal);
	setTimeout(() => controller.abort(reason), 20);
	await expect(waiting).rejects.toBe(reason);
	expect(Date.now() - started).toBeLessThan(1_000);
	await expect(sleep(10_000, AbortSignal.abort(reason))).rejects.toBe(reason);
});
