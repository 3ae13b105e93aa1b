import { expect, it, vi } from "vitest";
import { FaultInjector } from "../../../src/testing/emulator/faults.js";

it("serves each fault for its path and its number of requests, in the order injected", async () => {
	const faults = new FaultInjector();
	faults.inject({ pathPrefix: "/oauth/token", status: 503, body: "down", times: 2 });
	faults.inject({ status: 204, headers: { "X-Test": "1" } });
	expect(await faults.apply("/me")).toMatchObject({ status: 204 }); // the second fault applies to every path
	const first = await faults.apply("/oauth/token");
	expect(first?.status).toBe(503);
	expect(await first?.text()).toBe("down");
	expect(first?.headers.get("content-type")).toBe("application/json");
	expect((await faults.apply("/oauth/token"))?.status).toBe(503);
	expect(await faults.apply("/oauth/token")).toBeUndefined();
});

it("a 204 has no body and no content type; a delay alone delays the normal answer", async () => {
	const faults = new FaultInjector();
	faults.inject({ status: 204, headers: { "X-Test": "1" } });
	const empty = await faults.apply("/x");
	expect(empty?.headers.get("content-type")).toBeNull();
	expect(empty?.headers.get("x-test")).toBe("1");
	vi.useFakeTimers();
	try {
		faults.inject({ delayMs: 1_000 });
		let done = false;
		const delayed = faults.apply("/x").then((answer) => {
			done = true;
			return answer;
		});
		await vi.advanceTimersByTimeAsync(999);
		expect(done).toBe(false);
		await vi.advanceTimersByTimeAsync(1);
		expect(await delayed).toBeUndefined();
	} finally {
		vi.useRealTimers();
	}
});
