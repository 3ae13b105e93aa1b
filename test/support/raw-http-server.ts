import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A node:http server on 127.0.0.1 whose handler writes the bytes itself: endless or oversized bodies, as they arrive. */
export interface RawHttpServer {
	url: string;
	close(): Promise<void>;
}

export async function startRawHttpServer(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<RawHttpServer> {
	const server: Server = createServer(handler);
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/**
 * Writes 64 KB chunks for as long as the client reads them, up to `limitBytes` (then ends the body), or for ever;
 * returns a counter of the bytes written so far.
 */
export function streamBody(response: ServerResponse, limitBytes = Number.POSITIVE_INFINITY): { written: number } {
	const counter = { written: 0 };
	const chunk = Buffer.alloc(64 * 1024, "x");
	const pump = () => {
		while (counter.written < limitBytes) {
			counter.written += chunk.byteLength;
			if (!response.write(chunk)) {
				response.once("drain", pump);
				return;
			}
		}
		response.end();
	};
	response.on("close", () => response.removeAllListeners("drain"));
	pump();
	return counter;
}

/** Rejects after `ms`: a bound on a call that must not hang. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
	let timer: ReturnType<typeof setTimeout> | undefined;
	return Promise.race([
		promise,
		new Promise<never>((_, reject) => {
			timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
		}),
	]).finally(() => clearTimeout(timer));
}
