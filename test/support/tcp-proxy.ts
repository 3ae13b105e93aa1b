import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
	port: number;
	/** Stops moving bytes both ways, as a network partition would: nothing is lost, everything arrives late after `heal()`. */
	partition(): void;
	heal(): void;
	close(): Promise<void>;
}

/** A loopback TCP proxy to `targetPort` whose connections can be partitioned and healed. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
	const pairs = new Set<[Socket, Socket]>();
	let partitioned = false;
	const server = createServer((client) => {
		const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
		const pair: [Socket, Socket] = [client, upstream];
		pairs.add(pair);
		client.pipe(upstream);
		upstream.pipe(client);
		if (partitioned) for (const socket of pair) socket.pause();
		const close = () => {
			pairs.delete(pair);
			client.destroy();
			upstream.destroy();
		};
		client.on("error", close).on("close", close);
		upstream.on("error", close).on("close", close);
	});
	const port = await listen(server);
	return {
		port,
		partition() {
			partitioned = true;
			for (const pair of pairs) for (const socket of pair) socket.pause();
		},
		heal() {
			partitioned = false;
			for (const pair of pairs) for (const socket of pair) socket.resume();
		},
		close: () =>
			closeServer(server, () => {
				for (const pair of pairs) for (const socket of pair) socket.destroy();
			}),
	};
}

/** A TCP server that accepts connections and never answers: a hung store. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
	const sockets = new Set<Socket>();
	const server = createServer((socket) => {
		sockets.add(socket);
		socket.on("error", () => {});
		socket.on("close", () => sockets.delete(socket));
	});
	const port = await listen(server);
	return {
		port,
		close: () =>
			closeServer(server, () => {
				for (const socket of sockets) socket.destroy();
			}),
	};
}

async function listen(server: Server): Promise<number> {
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const address = server.address();
	return typeof address === "object" && address !== null ? address.port : 0;
}

function closeServer(server: Server, destroyAll: () => void): Promise<void> {
	destroyAll();
	return new Promise((resolve) => server.close(() => resolve()));
}
