import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isLoopbackHostname } from "../internal/loopback.js";
import { sendWebResponse } from "../node/send-web-response.js";

export type WebHandler = (request: Request) => Response | Promise<Response>;

export interface LoopbackServerOptions {
	/** Default 0: a free port chosen by the system. */
	port?: number;
	/** Default `"127.0.0.1"`. Only loopback addresses are accepted: these servers are for tests and demos. */
	hostname?: "127.0.0.1" | "localhost" | "::1";
}

export interface LoopbackServer {
	/** e.g. `http://127.0.0.1:54321` */
	url: string;
	close(): Promise<void>;
}

/** Serves a Web `Request` → `Response` function with `node:http` on a loopback address. */
export async function startLoopbackServer(handler: WebHandler, options: LoopbackServerOptions = {}): Promise<LoopbackServer> {
	const hostname = options.hostname ?? "127.0.0.1";
	if (!isLoopbackHostname(hostname)) {
		throw new TypeError(`startLoopbackServer only listens on loopback addresses, got "${hostname}"`);
	}
	const server = createServer((incoming, outgoing) => {
		serve(handler, incoming, outgoing).catch((error: unknown) => {
			if (!outgoing.headersSent) outgoing.writeHead(500, { "Content-Type": "text/plain" });
			outgoing.end(`Internal error: ${error instanceof Error ? error.message : String(error)}`);
		});
	});
	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen(options.port ?? 0, hostname, resolve);
	});
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://${hostname === "::1" ? "[::1]" : hostname}:${port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

async function serve(handler: WebHandler, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
	const chunks: Buffer[] = [];
	for await (const chunk of incoming) chunks.push(chunk as Buffer);
	const headers = new Headers();
	for (const [name, value] of Object.entries(incoming.headers)) {
		for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, item);
	}
	const method = incoming.method ?? "GET";
	const request = new Request(`http://${incoming.headers.host ?? "127.0.0.1"}${incoming.url ?? "/"}`, {
		method,
		headers,
		body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks),
	});
	await sendWebResponse(await handler(request), outgoing);
}
