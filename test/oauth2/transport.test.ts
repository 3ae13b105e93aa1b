import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArcticFetchError, Atlassian, OAuth2RequestError, UnexpectedResponseError } from "../../src/index.js";
import { rejection } from "../support/rejection.js";

// Real HTTP on 127.0.0.1: what undici does with sockets (resets, slow peers, huge bodies) is not what a mock does.
type Route = (request: IncomingMessage, response: ServerResponse) => void;
const routes = new Map<string, Route>();
let server: Server;
let origin: string;

beforeAll(async () => {
	server = createServer((request, response) => {
		const route = routes.get(new URL(request.url ?? "/", "http://x").pathname);
		if (route) {
			route(request, response);
		} else {
			response.writeHead(404).end();
		}
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
});

function atlassianAt(path: string, route: Route, timeoutMs = 5_000) {
	routes.set(`${path}/oauth/token`, route);
	return new Atlassian("id", "secret", "http://localhost/cb", {
		timeoutMs,
		hosts: { authorizationServer: `${origin}${path}`, apiGateway: origin },
	});
}

describe("over real loopback HTTP", () => {
	it("exchanges a code", async () => {
		const atlassian = atlassianAt("/ok", (request, response) => {
			let body = "";
			request.on("data", (chunk) => {
				body += chunk;
			});
			request.on("end", () => {
				const parsed = JSON.parse(body);
				response.writeHead(200, { "Content-Type": "application/json" });
				response.end(JSON.stringify({ access_token: `for-${parsed.code}`, expires_in: 3600, token_type: "Bearer" }));
			});
		});
		expect((await atlassian.validateAuthorizationCode("abc")).accessToken()).toBe("for-abc");
	});

	it("classifies Atlassian's 403 invalid_grant", async () => {
		const atlassian = atlassianAt("/dead", (_request, response) => {
			response
				.writeHead(403, { "Content-Type": "application/json" })
				.end('{"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}');
		});
		const error = await rejection(atlassian.refreshAccessToken("rt"));
		expect(error).toBeInstanceOf(OAuth2RequestError);
		expect((error as OAuth2RequestError).status).toBe(403);
	});

	it("times out against a server that never answers", async () => {
		const atlassian = atlassianAt("/silent", () => {}, 200);
		const error = await rejection(atlassian.refreshAccessToken("rt"));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect((error.cause as DOMException).name).toBe("TimeoutError");
	});

	it("times out against a server that sends headers and then stalls", async () => {
		const atlassian = atlassianAt(
			"/stall",
			(_request, response) => {
				response.writeHead(200, { "Content-Type": "application/json" });
				response.write('{"access_token":');
			},
			300,
		);
		const error = await rejection(atlassian.refreshAccessToken("rt"));
		expect(error).toBeInstanceOf(ArcticFetchError);
	});

	it("reports a connection reset mid-body as ArcticFetchError", async () => {
		const atlassian = atlassianAt("/reset", (_request, response) => {
			response.writeHead(200, { "Content-Type": "application/json", "Content-Length": "1000" });
			response.write('{"access_token":"partial');
			setTimeout(() => response.socket?.destroy(), 20);
		});
		const error = await rejection(atlassian.refreshAccessToken("rt"));
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect(error.cause).toBeDefined();
	});

	it("refuses an endless chunked body past 1 MiB and closes the connection", async () => {
		let bytesWritten = 0;
		let closed = false;
		const atlassian = atlassianAt("/huge", (_request, response) => {
			response.writeHead(500, { "Content-Type": "application/json" });
			const chunk = Buffer.alloc(64 * 1024, 0x20);
			const pump = () => {
				while (!closed && bytesWritten < 64 * 1024 * 1024) {
					bytesWritten += chunk.length;
					if (!response.write(chunk)) {
						response.once("drain", pump);
						return;
					}
				}
			};
			response.on("close", () => {
				closed = true;
			});
			pump();
		});
		const error = await rejection(atlassian.refreshAccessToken("rt"));
		expect(error).toBeInstanceOf(UnexpectedResponseError);
		expect((error as UnexpectedResponseError).status).toBe(500);
		await expect.poll(() => closed, { timeout: 5_000 }).toBe(true);
		expect(bytesWritten).toBeLessThan(32 * 1024 * 1024);
	});
});
