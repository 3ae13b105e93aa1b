import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AtlassianHostOverrides } from "../../src/index.js";
import { AtlassianEmulator, type AtlassianEmulatorOptions } from "../../src/testing/index.js";

/** What the next refresh request meets. Faults are taken in order, one per refresh request. */
export type RefreshFault =
	/** Atlassian rotates the token, then the connection drops before the answer is sent. */
	| { kind: "lost-after-rotation" }
	/** Atlassian rotates at once and answers after `ms`. */
	| { kind: "slow"; ms: number }
	/** A 5xx before anything is processed. */
	| { kind: "unavailable" }
	/** Atlassian rotates; `run` happens before the answer is sent (kill the store, partition a worker…). */
	| { kind: "after-rotation"; run: () => Promise<void> | void }
	/** Atlassian rotates; the answer's JSON is edited on the way out. */
	| { kind: "rewrite"; edit: (body: Record<string, unknown>) => Record<string, unknown> };

export interface TokenServer {
	url: string;
	hosts: AtlassianHostOverrides;
	emulator: AtlassianEmulator;
	/** Faults for the next refresh requests, in order. */
	faults: RefreshFault[];
	/** Refresh requests answered 403 invalid_grant. */
	invalidGrants: number;
	close(): Promise<void>;
}

/** The emulator on a loopback port, with faults that need the socket: answers lost after rotation, slow answers. */
export async function startTokenServer(options: AtlassianEmulatorOptions = {}): Promise<TokenServer> {
	const emulator = new AtlassianEmulator(options);
	const state: TokenServer = {
		url: "",
		hosts: { authorizationServer: "", apiGateway: "" },
		emulator,
		faults: [],
		invalidGrants: 0,
		close: async () => {},
	};
	const server = createServer((incoming, outgoing) => {
		serve(state, incoming, outgoing).catch(() => outgoing.destroy());
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	state.hosts = { authorizationServer: state.url, apiGateway: state.url };
	state.close = () =>
		new Promise((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		});
	return state;
}

async function serve(state: TokenServer, incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
	const chunks: Buffer[] = [];
	for await (const chunk of incoming) chunks.push(chunk as Buffer);
	const body = Buffer.concat(chunks).toString();
	const request = new Request(`${state.url}${incoming.url}`, {
		method: incoming.method,
		headers: { "Content-Type": incoming.headers["content-type"] ?? "application/json" },
		body: incoming.method === "GET" ? undefined : body,
	});
	const isRefresh = incoming.url === "/oauth/token" && body.includes('"grant_type":"refresh_token"');
	const fault = isRefresh ? state.faults.shift() : undefined;
	if (fault?.kind === "unavailable") {
		outgoing.writeHead(503, { "Content-Type": "text/html" }).end("<html>Service Unavailable</html>");
		return;
	}
	const response = await state.emulator.handle(request);
	let text = await response.text();
	if (isRefresh && response.status === 403) state.invalidGrants++;
	if (fault?.kind === "lost-after-rotation") {
		outgoing.destroy();
		return;
	}
	if (fault?.kind === "slow") await new Promise((resolve) => setTimeout(resolve, fault.ms));
	if (fault?.kind === "after-rotation") await fault.run();
	if (fault?.kind === "rewrite" && response.ok) text = JSON.stringify(fault.edit(JSON.parse(text)));
	outgoing.writeHead(response.status, { "Content-Type": "application/json" }).end(text);
}
