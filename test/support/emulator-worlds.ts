import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { Atlassian, type AtlassianOptions } from "../../src/index.js";
import {
	AtlassianEmulator,
	DEFAULT_CLIENT,
	type LoopbackServer,
	type RunningAtlassianEmulator,
	startAtlassianEmulator,
	startLoopbackServer,
} from "../../src/testing/index.js";
import { createAtlassianHandlers } from "../../src/testing/msw.js";

export const REDIRECT_URI = DEFAULT_CLIENT.redirectURIs[0] as string;

/** The emulator, reached as users reach it, and a second origin that must never see a request. */
export interface EmulatorWorld {
	emulator: AtlassianEmulator;
	atlassian(options?: AtlassianOptions): Atlassian;
	otherOrigin: string;
	otherRequests: string[];
}

/** A fresh emulator per test, on Atlassian's real hosts through msw; extra handlers may be added with `use`. */
export function overMsw(): () => EmulatorWorld & { use: ReturnType<typeof setupServer>["use"] } {
	const server = setupServer();
	let world: EmulatorWorld;
	beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
	beforeEach(() => {
		const emulator = new AtlassianEmulator();
		const otherRequests: string[] = [];
		server.resetHandlers(
			...createAtlassianHandlers(emulator),
			http.all("https://other.example/*", ({ request }) => {
				otherRequests.push(request.url);
				return HttpResponse.json({});
			}),
		);
		world = {
			emulator,
			atlassian: (options = {}) => new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, REDIRECT_URI, options),
			otherOrigin: "https://other.example",
			otherRequests,
		};
	});
	afterAll(() => server.close());
	return () => ({ ...world, use: server.use.bind(server) });
}

/** A fresh emulator per test on a loopback port, and a second loopback server as the other origin. */
export function overLoopback(): () => EmulatorWorld {
	let running: RunningAtlassianEmulator;
	let other: LoopbackServer;
	let world: EmulatorWorld;
	beforeEach(async () => {
		running = await startAtlassianEmulator();
		const otherRequests: string[] = [];
		other = await startLoopbackServer((request) => {
			otherRequests.push(request.url);
			return Response.json({});
		});
		world = {
			emulator: running.emulator,
			atlassian: (options = {}) =>
				new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, REDIRECT_URI, { ...options, hosts: running.hosts }),
			otherOrigin: other.url,
			otherRequests,
		};
	});
	afterEach(async () => {
		await running.close();
		await other.close();
	});
	return () => world;
}
