import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorker } from "../../examples/cloudflare-worker.js";
import { createExpressApp } from "../../examples/express.js";
import { createFastifyApp } from "../../examples/fastify.js";
import { createHonoApp } from "../../examples/hono.js";
import { createNextRouteHandlers } from "../../examples/nextjs-route-handlers.js";
import { Atlassian, MemoryTokenStore, TokenManager } from "../../src/index.js";
import {
	type LoopbackServer,
	type RunningAtlassianEmulator,
	startAtlassianEmulator,
	startLoopbackServer,
} from "../../src/testing/index.js";

// Every recipe of docs/recipes/, run as written against the emulator over loopback HTTP: the sign-in redirect,
// Atlassian's consent, the callback with its state cookie, and an API call as the signed-in user.

interface Served {
	url: string;
	close(): Promise<void>;
}

type Recipe = (atlassian: Atlassian, tokens: TokenManager, redirectURI: string, emulator: RunningAtlassianEmulator) => Promise<Served>;

const listen = async (server: {
	listen(port: number, host: string, done: () => void): unknown;
	address(): unknown;
	close(done: () => void): unknown;
}) => {
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
};

const handlerServer = async (handler: (request: Request) => Promise<Response> | Response): Promise<Served> => {
	const server: LoopbackServer = await startLoopbackServer(handler);
	return server;
};

const recipes: [string, Recipe][] = [
	["Express", async (atlassian, tokens) => listen(createServer(createExpressApp(atlassian, tokens)))],
	[
		"Fastify",
		async (atlassian, tokens) => {
			const app = createFastifyApp(atlassian, tokens);
			const url = await app.listen({ port: 0, host: "127.0.0.1" });
			return { url, close: () => app.close() };
		},
	],
	["Hono", async (atlassian, tokens) => handlerServer(createHonoApp(atlassian, tokens).fetch)],
	[
		"Next.js route handlers",
		async (atlassian, tokens) => {
			const routes = createNextRouteHandlers(atlassian, tokens);
			// Next.js maps each file to its path; here, a tiny router does.
			const byPath: Record<string, (request: Request) => Promise<Response>> = {
				"/login/atlassian": routes.login,
				"/login/atlassian/callback": routes.callback,
				"/me": routes.me,
			};
			return handlerServer((request) => byPath[new URL(request.url).pathname]?.(request) ?? new Response("Not found", { status: 404 }));
		},
	],
	[
		"Cloudflare Worker",
		async (_atlassian, _tokens, redirectURI, emulator) => {
			// The Worker builds its own client and manager per request, from its environment.
			const store = new MemoryTokenStore();
			const worker = createWorker(() => store, { hosts: emulator.hosts });
			const env = { ATLASSIAN_CLIENT_ID: "recipe-client", ATLASSIAN_CLIENT_SECRET: "recipe-secret", ATLASSIAN_REDIRECT_URI: redirectURI };
			return handlerServer((request) => worker.fetch(request, env));
		},
	],
];

describe.each(recipes)("the %s recipe", (_, start) => {
	let emulator: RunningAtlassianEmulator;
	let app: Served;
	let proxy: LoopbackServer;

	beforeEach(async () => {
		// The callback URL must be known before the app listens: a loopback front that forwards to it.
		let target = "";
		proxy = await startLoopbackServer(async (request) => {
			const url = new URL(request.url);
			return fetch(`${target}${url.pathname}${url.search}`, { headers: request.headers, redirect: "manual" });
		});
		const redirectURI = `${proxy.url}/login/atlassian/callback`;
		emulator = await startAtlassianEmulator({
			clients: [{ clientId: "recipe-client", clientSecret: "recipe-secret", redirectURIs: [redirectURI] }],
		});
		const atlassian = new Atlassian("recipe-client", "recipe-secret", redirectURI, { hosts: emulator.hosts });
		const tokens = new TokenManager(atlassian, { store: new MemoryTokenStore() });
		app = await start(atlassian, tokens, redirectURI, emulator);
		target = app.url;
	});

	afterEach(async () => {
		await app?.close();
		await proxy?.close();
		await emulator?.close();
	});

	it("signs a user in and calls Atlassian as them", async () => {
		const jar = new Map<string, string>();
		const remember = (response: Response) => {
			for (const cookie of response.headers.getSetCookie()) {
				const [pair] = cookie.split(";");
				const [name, ...value] = (pair ?? "").split("=");
				if (name) jar.set(name.trim(), value.join("="));
			}
		};
		const cookieHeader = () =>
			[...jar]
				.filter(([, value]) => value !== "")
				.map(([name, value]) => `${name}=${value}`)
				.join("; ");

		const login = await fetch(`${proxy.url}/login/atlassian`, { redirect: "manual" });
		expect(login.status).toBe(302);
		remember(login);
		const authorize = new URL(login.headers.get("location") ?? "");
		expect(authorize.origin).toBe(emulator.url);

		const decision = await fetch(`${emulator.url}/authorize/decision`, {
			method: "POST",
			redirect: "manual",
			body: new URLSearchParams({
				client_id: "recipe-client",
				redirect_uri: authorize.searchParams.get("redirect_uri") ?? "",
				state: authorize.searchParams.get("state") ?? "",
				scope: authorize.searchParams.get("scope") ?? "",
				decision: "accept",
			}),
		});
		const callbackURL = decision.headers.get("location") ?? "";
		expect(callbackURL.startsWith(`${proxy.url}/login/atlassian/callback?code=`)).toBe(true);

		const callback = await fetch(callbackURL, { redirect: "manual", headers: { cookie: cookieHeader() } });
		expect(callback.status).toBe(303);
		remember(callback);
		expect(jar.get("uid")).toBeTruthy();

		const me = await fetch(`${proxy.url}/me`, { headers: { cookie: cookieHeader() } });
		expect(me.status).toBe(200);
		expect(await me.json()).toEqual({ name: "Mia Krystof" });

		// A forged callback (no state cookie) is refused.
		const forged = await fetch(callbackURL, { redirect: "manual" });
		expect(forged.status).toBe(400);
	});
});
