// A Cloudflare Worker: the library runs on workerd as it is (fetch and Web Crypto). A Worker has no memory
// that outlives a request, so the tokens go to a shared store: here any TokenStore, e.g. PostgresTokenStore
// over Hyperdrive; the recipe takes it from a function of the environment.
import { Atlassian, createLoginResponse, TokenManager, type TokenStore, validateLoginCallback } from "../src/index.js";

const SCOPES = ["read:me", "offline_access"];

export interface Env {
	ATLASSIAN_CLIENT_ID: string;
	ATLASSIAN_CLIENT_SECRET: string;
	ATLASSIAN_REDIRECT_URI: string;
}

export function createWorker(storeFor: (env: Env) => TokenStore, atlassianOptions: ConstructorParameters<typeof Atlassian>[3] = {}) {
	return {
		async fetch(request: Request, env: Env): Promise<Response> {
			const atlassian = new Atlassian(env.ATLASSIAN_CLIENT_ID, env.ATLASSIAN_CLIENT_SECRET, env.ATLASSIAN_REDIRECT_URI, atlassianOptions);
			const tokens = new TokenManager(atlassian, { store: storeFor(env) });
			const url = new URL(request.url);
			if (url.pathname === "/login/atlassian") return createLoginResponse(atlassian, SCOPES);
			if (url.pathname === "/login/atlassian/callback") {
				try {
					const { tokens: granted, clearStateCookie } = await validateLoginCallback(atlassian, request);
					const user = await atlassian.getUser(granted.accessToken());
					await tokens.save(user.account_id, granted);
					const headers = new Headers({ Location: new URL("/me", url).href });
					headers.append("Set-Cookie", clearStateCookie);
					headers.append("Set-Cookie", `uid=${encodeURIComponent(user.account_id)}; Path=/; HttpOnly; Secure; SameSite=Lax`);
					return new Response(null, { status: 303, headers });
				} catch {
					return new Response("Sign-in failed: start again at /login/atlassian", { status: 400 });
				}
			}
			if (url.pathname === "/me") {
				const uid = /(?:^|;\s*)uid=([^;]*)/.exec(request.headers.get("cookie") ?? "")?.[1];
				if (!uid) return Response.redirect(new URL("/login/atlassian", url).href, 303);
				const user = await atlassian.getUser(await tokens.getAccessToken(decodeURIComponent(uid)));
				return Response.json({ name: user.name });
			}
			return new Response("Not found", { status: 404 });
		},
	};
}

// Below: `npx tsx examples/cloudflare-worker.ts` runs this recipe on http://localhost:3000 (examples/run-example.ts).
if (import.meta.filename === process.argv[1]) {
	const { runExample } = await import("./run-example.js");
	const { MemoryTokenStore } = await import("../src/index.js");
	const { startLoopbackServer } = await import("../src/testing/index.js");
	await runExample("Cloudflare Worker", (atlassian, _tokens, port, redirectURI) => {
		const store = new MemoryTokenStore();
		const worker = createWorker(() => store, {
			hosts: { authorizationServer: new URL(atlassian.authorizationEndpoint).origin, apiGateway: atlassian.apiGateway },
		});
		const env: Env = {
			ATLASSIAN_CLIENT_ID: process.env.ATLASSIAN_CLIENT_ID ?? "example-client",
			ATLASSIAN_CLIENT_SECRET: process.env.ATLASSIAN_CLIENT_SECRET ?? "example-secret",
			ATLASSIAN_REDIRECT_URI: redirectURI,
		};
		return startLoopbackServer((request) => worker.fetch(request, env), { port, hostname: "localhost" });
	});
}
