// Real multi-node Redis setups on loopback, started and stopped by the tests: a 3-primary Redis Cluster,
// and a primary with one replica behind three Sentinels.
import { type ChildProcess, execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Cluster, Redis } from "ioredis";
import { freePort, redisArguments, spawnRedis } from "./redis-server.js";

const run = promisify(execFile);

interface Node {
	port: number;
	process: ChildProcess;
	args: string[];
}

function exited(child: ChildProcess): Promise<unknown> {
	return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", resolve));
}

/** Waits until the replica on `port` has loaded its primary's data and follows its stream. */
async function replicaSynced(port: number): Promise<void> {
	const probe = new Redis({ host: "127.0.0.1", port });
	probe.on("error", () => {});
	try {
		for (let attempt = 0; ; attempt++) {
			const info = await probe.info("replication").catch(() => "");
			if (info.includes("master_link_status:up") && !info.includes("master_sync_in_progress:1")) return;
			if (attempt > 400) throw new Error(`the replica on port ${port} did not sync within 20 s`);
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	} finally {
		probe.disconnect();
	}
}

async function stopAll(children: ChildProcess[]): Promise<void> {
	for (const child of children) child.kill("SIGKILL");
	await Promise.all(children.map(exited));
}

export interface RedisCluster {
	ports: number[];
	client(): Cluster;
	/** The port of the primary that serves `key`'s slot. */
	primaryFor(key: string): Promise<number>;
	stop(): Promise<void>;
}

/** Three primaries, no replicas: `redis-cli --cluster create` assigns the 16 384 slots. */
export async function startRedisCluster(): Promise<RedisCluster> {
	const dir = mkdtempSync(join(tmpdir(), "atlassian-3lo-cluster-"));
	const nodes: Node[] = [];
	for (let index = 0; index < 3; index++) {
		const port = await freePort();
		const args = [
			...redisArguments(port, dir),
			"--cluster-enabled",
			"yes",
			"--cluster-config-file",
			`nodes-${port}.conf`,
			"--appendonly",
			"no",
		];
		nodes.push({ port, args, process: await spawnRedis(args) });
	}
	await run("redis-cli", [
		"--cluster",
		"create",
		...nodes.map((node) => `127.0.0.1:${node.port}`),
		"--cluster-replicas",
		"0",
		"--cluster-yes",
	]);
	const probe = new Redis({ host: "127.0.0.1", port: nodes[0]?.port, lazyConnect: true });
	for (let attempt = 0; ; attempt++) {
		const info = (await probe.call("CLUSTER", "INFO")) as string;
		if (info.includes("cluster_state:ok")) break;
		if (attempt > 100) throw new Error(`the cluster did not become ready:\n${info}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	const clients: Cluster[] = [probe as unknown as Cluster];
	return {
		ports: nodes.map((node) => node.port),
		client() {
			const client = new Cluster(
				nodes.map((node) => ({ host: "127.0.0.1", port: node.port })),
				{ redisOptions: { maxRetriesPerRequest: 1 } },
			);
			client.on("error", () => {});
			clients.push(client);
			return client;
		},
		async primaryFor(key) {
			const slot = (await probe.call("CLUSTER", "KEYSLOT", key)) as number;
			const ranges = (await probe.call("CLUSTER", "SLOTS")) as [number, number, [string, number]][];
			const range = ranges.find(([from, to]) => slot >= from && slot <= to);
			if (!range) throw new Error(`no primary serves slot ${slot}`);
			return range[2][1];
		},
		async stop() {
			await Promise.all(clients.map((client) => client.quit().catch(() => client.disconnect())));
			await stopAll(nodes.map((node) => node.process));
			rmSync(dir, { recursive: true, force: true });
		},
	};
}

export interface RedisSentinelSetup {
	sentinels: { host: string; port: number }[];
	name: string;
	/** The port of the current primary, as the Sentinels see it. */
	primaryPort(): Promise<number>;
	/** The other data node's port (the replica). */
	replicaPort(): Promise<number>;
	/** SIGKILLs the current primary, waits until the Sentinels promoted the replica, and brings the killed node back as a replica. */
	failover(options?: { beforeKill?: () => Promise<void> }): Promise<{ from: number; to: number }>;
	stop(): Promise<void>;
}

/** A primary, one replica and three Sentinels (quorum 2, 1.5 s to declare a node down). */
export async function startRedisSentinel(): Promise<RedisSentinelSetup> {
	const dir = mkdtempSync(join(tmpdir(), "atlassian-3lo-sentinel-"));
	const name = "atlassian3lo";
	const dataNodes = new Map<number, ChildProcess>();
	const dataArgs = (port: number, primary?: number) => [
		...redisArguments(port, dir),
		"--dbfilename",
		`dump-${port}.rdb`,
		"--appendonly",
		"no",
		...(primary === undefined ? [] : ["--replicaof", "127.0.0.1", String(primary)]),
	];
	const first = await freePort();
	const second = await freePort();
	dataNodes.set(first, await spawnRedis(dataArgs(first)));
	dataNodes.set(second, await spawnRedis(dataArgs(second, first)));
	const sentinelProcesses: ChildProcess[] = [];
	const sentinels: { host: string; port: number }[] = [];
	for (let index = 0; index < 3; index++) {
		const port = await freePort();
		const config = join(dir, `sentinel-${port}.conf`);
		writeFileSync(
			config,
			[
				`port ${port}`,
				"bind 127.0.0.1",
				`dir ${dir}`,
				`sentinel monitor ${name} 127.0.0.1 ${first} 2`,
				`sentinel down-after-milliseconds ${name} 1500`,
				`sentinel failover-timeout ${name} 4000`,
				`sentinel parallel-syncs ${name} 1`,
				"",
			].join("\n"),
		);
		sentinelProcesses.push(await spawnRedis([config, "--sentinel"], "Sentinel ID is"));
		sentinels.push({ host: "127.0.0.1", port });
	}
	const sentinelClient = new Redis({ host: "127.0.0.1", port: sentinels[0]?.port });
	sentinelClient.on("error", () => {});
	const primaryPort = async () => {
		const [, port] = (await sentinelClient.call("SENTINEL", "get-master-addr-by-name", name)) as [string, string];
		return Number(port);
	};
	await replicaSynced(second);
	const replicaPort = async () => {
		const primary = await primaryPort();
		return [...dataNodes.keys()].find((port) => port !== primary) as number;
	};
	return {
		sentinels,
		name,
		primaryPort,
		replicaPort,
		async failover(options = {}) {
			const from = await primaryPort();
			await options.beforeKill?.();
			const killed = dataNodes.get(from);
			killed?.kill("SIGKILL");
			if (killed) await exited(killed);
			let to = from;
			for (let attempt = 0; to === from; attempt++) {
				if (attempt > 300) throw new Error("the Sentinels did not promote the replica within 30 s");
				await new Promise((resolve) => setTimeout(resolve, 100));
				to = await primaryPort().catch(() => from);
			}
			dataNodes.set(from, await spawnRedis(dataArgs(from, to)));
			// Until it has synced, the restarted node is empty: it must not be the replica of the next failover.
			await replicaSynced(from);
			return { from, to };
		},
		async stop() {
			sentinelClient.disconnect();
			await stopAll([...sentinelProcesses, ...dataNodes.values()]);
			rmSync(dir, { recursive: true, force: true });
		},
	};
}
