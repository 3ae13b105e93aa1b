import type { AtlassianHostOverrides } from "../atlassian/cloud.js";
import { AtlassianEmulator, type AtlassianEmulatorOptions } from "./atlassian-emulator.js";
import { type LoopbackServerOptions, startLoopbackServer } from "./loopback-server.js";

export interface RunningAtlassianEmulator {
	/** Origin of the emulator, e.g. `http://127.0.0.1:54321`: it serves both the auth and the API paths. */
	url: string;
	/** Pass as `new Atlassian(id, secret, redirectURI, { hosts })`. */
	hosts: AtlassianHostOverrides;
	/** The model behind it: configure users and sites, inject faults, move the clock. */
	emulator: AtlassianEmulator;
	close(): Promise<void>;
}

/** Starts the Atlassian emulator on a real loopback port (a free one unless `port` is given). */
export async function startAtlassianEmulator(
	options: AtlassianEmulatorOptions & LoopbackServerOptions = {},
): Promise<RunningAtlassianEmulator> {
	const emulator = new AtlassianEmulator(options);
	const server = await startLoopbackServer(emulator.handle, options);
	return { url: server.url, hosts: { authorizationServer: server.url, apiGateway: server.url }, emulator, close: server.close };
}
