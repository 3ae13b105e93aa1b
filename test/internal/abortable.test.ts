import { EventEmitter } from "node:events";
import { expect, it } from "vitest";
import { abortable, deadlineSignal } from "../../src/internal/abortable.js";

const never = () => new Promise<never>(() => {});

it("settles with the work when no abort comes, and leaves no listener behind", async () => {
	const controller = new AbortController();
	expect(await abortable(Promise.resolve(7), controller.signal, () => new Error("aborted"))).toBe(7);
	await expect(abortable(Promise.reject(new Error("failed")), controller.signal, () => new Error("aborted"))).rejects.toThrow("failed");
	expect(EventEmitter.getEventListeners(controller.signal, "abort")).toHaveLength(0);
	expect(await abortable(Promise.resolve(8), undefined, () => new Error("aborted"))).toBe(8);
});

it("rejects with the reason the caller builds as soon as the signal aborts; the work carries on unobserved", async () => {
	const controller = new AbortController();
	const pending = abortable(never(), controller.signal, (signal) => new Error(`stopped: ${String(signal.reason)}`));
	controller.abort("shutdown");
	await expect(pending).rejects.toThrow("stopped: shutdown");
	await expect(abortable(never(), AbortSignal.abort("early"), (signal) => signal.reason)).rejects.toBe("early");
	// A late failure of the work is no unhandled rejection.
	const late = Promise.reject(new Error("late"));
	await expect(abortable(late, AbortSignal.abort("x"), () => "aborted")).rejects.toBe("aborted");
});

it("deadlineSignal aborts at the deadline with a TimeoutError, or with the caller's reason, whichever is first", async () => {
	const timed = deadlineSignal(20, undefined, "The read did not finish");
	await new Promise((resolve) => timed.signal.addEventListener("abort", resolve));
	expect((timed.signal.reason as DOMException).name).toBe("TimeoutError");
	expect((timed.signal.reason as DOMException).message).toBe("The read did not finish within 20 ms");
	const caller = new AbortController();
	const both = deadlineSignal(10_000, caller.signal, "x");
	caller.abort("the user left");
	expect(both.signal.reason).toBe("the user left");
	both.clear();
	expect(EventEmitter.getEventListeners(caller.signal, "abort")).toHaveLength(0);
});
