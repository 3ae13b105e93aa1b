import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { type NodeServerResponse, sendWebResponse } from "../../src/node/index.js";

describe("sendWebResponse", () => {
	it("sends status, headers, every Set-Cookie apart and the body through a real node:http response", async () => {
		const headers = new Headers({ "Content-Type": "text/plain", "X-Extra": "1" });
		headers.append("Set-Cookie", "a=1; Path=/; HttpOnly");
		headers.append("Set-Cookie", "b=2; Path=/");
		const server = createServer((_req, res) => {
			void sendWebResponse(new Response("hello, node", { status: 201, headers }), res);
		});
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		try {
			const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
			expect(response.status).toBe(201);
			expect(response.headers.get("x-extra")).toBe("1");
			expect(response.headers.getSetCookie()).toEqual(["a=1; Path=/; HttpOnly", "b=2; Path=/"]);
			expect(await response.text()).toBe("hello, node");
		} finally {
			await new Promise((resolve) => server.close(resolve));
		}
	});

	it("sends a redirect without a body, and waits for drain when the socket is full", async () => {
		const written: Uint8Array[] = [];
		let drains = 0;
		let ended = false;
		const res: NodeServerResponse & { headers: Record<string, unknown> } = {
			statusCode: 200,
			headers: {},
			setHeader(name, value) {
				this.headers[name.toLowerCase()] = value;
			},
			write(chunk) {
				written.push(chunk);
				return false; // always full: every chunk waits for drain
			},
			once(_event, listener) {
				drains++;
				setTimeout(listener, 1);
			},
			end() {
				ended = true;
			},
		};
		await sendWebResponse(new Response(null, { status: 302, headers: { Location: "/next" } }), res);
		expect(res.statusCode).toBe(302);
		expect(res.headers.location).toBe("/next");
		expect(written).toEqual([]);
		expect(ended).toBe(true);
		const body = new ReadableStream<Uint8Array>({
			start(controller) {
				controller.enqueue(new TextEncoder().encode("one"));
				controller.enqueue(new TextEncoder().encode("two"));
				controller.close();
			},
		});
		await sendWebResponse(new Response(body), res);
		expect(written.map((chunk) => new TextDecoder().decode(chunk))).toEqual(["one", "two"]);
		expect(drains).toBe(2);
	});
});
