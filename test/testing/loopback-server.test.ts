import { describe, expect, it } from "vitest";
import { startLoopbackServer } from "../../src/testing/index.js";

describe("startLoopbackServer", () => {
	it("serves a Web handler, passing bodies, headers and several Set-Cookie headers", async () => {
		const server = await startLoopbackServer(async (request) => {
			const headers = new Headers({ "X-Echo": request.headers.get("x-test") ?? "" });
			headers.append("Set-Cookie", "a=1");
			headers.append("Set-Cookie", "b=2");
			return new Response(`${request.method} ${new URL(request.url).pathname} ${await request.text()}`, { status: 201, headers });
		});
		try {
			const response = await fetch(`${server.url}/path?q=1`, { method: "POST", body: "hello", headers: { "X-Test": "yes" } });
			expect(response.status).toBe(201);
			expect(await response.text()).toBe("POST /path hello");
			expect(response.headers.get("x-echo")).toBe("yes");
			expect(response.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
		} finally {
			await server.close();
		}
	});

	it("answers 500 when the handler throws, and refuses non-loopback addresses", async () => {
		const server = await startLoopbackServer(() => {
			throw new Error("boom");
		});
		try {
			expect((await fetch(server.url)).status).toBe(500);
		} finally {
			await server.close();
		}
		await expect(startLoopbackServer(() => new Response(), { hostname: "0.0.0.0" as never })).rejects.toThrow(TypeError);
	});
});
