import { afterEach, describe, expect, it, vi } from "vitest";
import { ArcticFetchError, TokenStoreTimeoutError } from "../../src/index.js";
import { StoreCallBounds } from "../../src/tokens/bounded-call.js";

const ACCESS = "access-token-0123456789";

describe("StoreCallBounds", () => {
	afterEach(() => {
		vi.useRealTimers();
	});

	it("passes a store's answer through", async () => {
		const bounds = new StoreCallBounds(1_000);
		await expect(bounds.run(async () => 42, { key: "k", operation: "get" })).resolves.toBe(42);
	});

	it("fails a call the store never answers with TokenStoreTimeoutError, and aborts the signal it handed the store", async () => {
		vi.useFakeTimers();
		const bounds = new StoreCallBounds(1_000);
		let storeSignal: AbortSignal | undefined;
		const pending = bounds.run(
			(options) => {
				storeSignal = options.signal;
				return new Promise<never>(() => {});
			},
			{ key: "user-1", operation: "compareAndSet" },
		);
		const outcome = pending.catch((error: unknown) => error);
		await vi.advanceTimersByTimeAsync(1_100); // at most a tenth of the timeout late
		const error = await outcome;
		expect(error).toBeInstanceOf(TokenStoreTimeoutError);
		expect(error).toMatchObject({ key: "user-1", operation: "compareAndSet" });
		expect(storeSignal?.aborted).toBe(true);
		expect(storeSignal?.reason).toBe(error);
	});

	it("ends the wait when the caller's signal aborts, as an ArcticFetchError", async () => {
		const bounds = new StoreCallBounds(60_000);
		const controller = new AbortController();
		const pending = bounds.run(() => new Promise<never>(() => {}), { key: "k", operation: "get" }, controller.signal);
		controller.abort(new Error("caller gave up"));
		const error = await pending.catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect((error as Error).cause).toMatchObject({ message: "caller gave up" });
		await expect(bounds.run(async () => 1, { key: "k", operation: "get" }, controller.signal)).rejects.toBeInstanceOf(ArcticFetchError);
	});

	it("passes a store's failure on as a copy without the tokens of the write, and a throw as a rejection", async () => {
		const bounds = new StoreCallBounds(1_000);
		const failure = await bounds
			.run(
				async () => {
					throw Object.assign(new Error(`ERR command SET k ${ACCESS}`), { args: [ACCESS] });
				},
				{ key: "k", operation: "compareAndSet", tokens: [ACCESS, null] },
			)
			.catch((error: unknown) => error as Error & { args?: unknown });
		expect(failure.message).not.toContain(ACCESS);
		expect(failure.args).toBeUndefined();
		const thrown = await bounds
			.run(
				() => {
					throw new TypeError("sync");
				},
				{ key: "k", operation: "get" },
			)
			.catch((error: unknown) => error);
		expect(thrown).toBeInstanceOf(TypeError);
	});

	it("hands the store one live signal, the same each time it reads it", async () => {
		const bounds = new StoreCallBounds(1_000);
		const seen = await bounds.run(async (options) => [options.signal, options.signal], { key: "k", operation: "get" });
		expect(seen[0]).toBe(seen[1]);
		expect(seen[0]?.aborted).toBe(false);
	});
});
