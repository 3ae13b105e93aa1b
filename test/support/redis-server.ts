import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";

export interface RedisServer {
	port: number;
	client(): Redis;
	stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
		});
	});
}

/** A real redis-server on 127.0.0.1, without persistence, owned by the calling test file. */
export async function startRedisServer(): Promise<RedisServer> {
	const port = await freePort();
	const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
		stdio: ["ignore", "pipe", "pipe"],
	});
	let output = "";
	child.stdout?.on("data", (chunk) => {
		output += chunk;
	});
	await new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
		child.once("error", (error) => {
			clearTimeout(timer);
			reject(new Error(`could not run redis-server (install it: apt-get install -y redis-server): ${error.message}`));
		});
		const poll = setInterval(() => {
			if (output.includes("Ready to accept connections")) {
				clearInterval(poll);
				clearTimeout(timer);
				resolve();
			}
		}, 20);
	});
	const clients: Redis[] = [];
	return {
		port,
		client() {
			const client = new Redis({ host: "127.0.0.1", port, lazyConnect: false, maxRetriesPerRequest: 1 });
			clients.push(client);
			return client;
		},
		async stop() {
			await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
			child.kill("SIGTERM");
			await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)));
		},
	};
}
