import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { type PgListenerClient, pgListener } from "../../src/postgres/index.js";
import { defaultListener } from "../../src/postgres/pg-listener.js";
import { rejection } from "../support/rejection.js";

describe("pgListener, on a scripted pool", () => {
	/** A pool whose connections record their statements and how they were given back; `failListen` makes LISTEN fail. */
	function scriptedPool() {
		const connections: { statements: string[]; released: unknown[]; client: PgListenerClient & EventEmitter }[] = [];
		let failListen = false;
		let connectGate: Promise<void> = Promise.resolve();
		const pool = {
			connect: async () => {
				await connectGate;
				const connection = {
					statements: [] as string[],
					released: [] as unknown[],
					client: new EventEmitter() as PgListenerClient & EventEmitter,
				};
				Object.assign(connection.client, {
					query: async (text: string) => {
						connection.statements.push(text);
						if (failListen && text.startsWith("LISTEN")) throw new Error("permission denied");
						return {};
					},
					release: (error?: unknown) => connection.released.push(error),
				});
				connections.push(connection);
				return connection.client;
			},
		};
		return {
			pool,
			connections,
			failListen: (value: boolean) => {
				failListen = value;
			},
			holdConnects: () => {
				let open: () => void = () => {};
				connectGate = new Promise((resolve) => {
					open = resolve;
				});
				return open;
			},
		};
	}

	it("close() while it waits to listen again after a broken connection takes no new connection", async () => {
		const { pool, connections } = scriptedPool();
		const listener = pgListener(pool);
		await listener.listen("c", () => {});
		connections[0]?.client.emit("error", new Error("terminating connection due to administrator command"));
		await listener.close();
		await new Promise((resolve) => setTimeout(resolve, 1_200)); // past the one-second retry
		expect(connections).toHaveLength(1);
	});

	it("close() while it connects gives that connection straight back", async () => {
		const { pool, connections, holdConnects } = scriptedPool();
		const listener = pgListener(pool);
		const open = holdConnects();
		const listening = listener.listen("c", () => {});
		await listener.close();
		open();
		expect(await rejection(listening)).toMatchObject({ message: "pgListener is closed" });
		expect(connections[0]?.released).toEqual([true]);
	});

	it("a LISTEN that fails gives the connection back and leaves nothing behind: the next listen() issues LISTEN again", async () => {
		const { pool, connections, failListen } = scriptedPool();
		const listener = pgListener(pool);
		failListen(true);
		expect(await rejection(listener.listen("c", () => {}))).toMatchObject({ message: "permission denied" });
		expect(connections[0]?.released).toHaveLength(1);
		failListen(false);
		const heard: string[] = [];
		await listener.listen("c", (payload) => heard.push(payload));
		expect(connections[1]?.statements).toContain('LISTEN "c"');
		connections[1]?.client.emit("notification", { channel: "c", payload: "k" });
		expect(heard).toEqual(["k"]); // one callback: the failed call's was forgotten
		await listener.close();
	});
});

describe("defaultListener(): what a store listens with when given no listener", () => {
	it("a client that listens (PGlite) is its own; a pool gets a pgListener made on first listen, given back by close()", async () => {
		const pglite = { query: async () => ({ rows: [] }), listen: async () => async () => {} };
		expect(defaultListener(pglite)?.listener).toBe(pglite);
		let connects = 0;
		const released: unknown[] = [];
		const pool = {
			connect: async () => {
				connects++;
				return Object.assign(new EventEmitter(), {
					query: async () => ({}),
					release: (error?: unknown) => released.push(error),
				}) as unknown as PgListenerClient;
			},
		};
		const own = defaultListener(pool);
		expect(connects).toBe(0); // nothing taken until a store listens
		await own?.listener.listen("tokens_changed", () => {});
		expect(connects).toBe(1);
		await own?.close();
		expect(released).toHaveLength(1);
		expect(defaultListener({ query: async () => ({ rows: [] }) })).toBeUndefined();
	});
});
