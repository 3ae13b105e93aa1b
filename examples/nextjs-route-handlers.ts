// Next.js App Router: route handlers are Web Request → Response functions. In an app, each handler is the
// GET export of its own file: app/login/atlassian/route.ts, app/login/atlassian/callback/route.ts and
// app/me/route.ts, with `atlassian` and `tokens` from a module of your own (lib/atlassian.ts).
import { type Atlassian, createLoginResponse, type TokenManager, validateLoginCallback } from "../src/index.js";

const SCOPES = ["read:me", "offline_access"];

export function createNextRouteHandlers(atlassian: Atlassian, tokens: TokenManager) {
	return {
		// app/login/atlassian/route.ts
		login: async (_request: Request): Promise<Response> => createLoginResponse(atlassian, SCOPES),

		// app/login/atlassian/callback/route.ts
		callback: async (request: Request): Promise<Response> => {
			try {
				const { tokens: granted, clearStateCookie } = await validateLoginCallback(atlassian, request);
				const user = await atlassian.getUser(granted.accessToken());
				await tokens.save(user.account_id, granted);
				const headers = new Headers({ Location: new URL("/me", request.url).href });
				headers.append("Set-Cookie", clearStateCookie);
				// Your own session goes here (e.g. Auth.js or iron-session); the account id keeps the recipe short.
				headers.append("Set-Cookie", `uid=${encodeURIComponent(user.account_id)}; Path=/; HttpOnly; SameSite=Lax`);
				return new Response(null, { status: 303, headers });
			} catch {
				return new Response("Sign-in failed: start again at /login/atlassian", { status: 400 });
			}
		},

		// app/me/route.ts
		me: async (request: Request): Promise<Response> => {
			const uid = /(?:^|;\s*)uid=([^;]*)/.exec(request.headers.get("cookie") ?? "")?.[1];
			if (!uid) return Response.redirect(new URL("/login/atlassian", request.url), 303);
			const user = await atlassian.getUser(await tokens.getAccessToken(decodeURIComponent(uid)));
			return Response.json({ name: user.name });
		},
	};
}

// Below: `npx tsx examples/nextjs-route-handlers.ts` runs this recipe on http://localhost:3000 (examples/run-example.ts).
if (import.meta.filename === process.argv[1]) {
	const { runExample } = await import("./run-example.js");
	const { startLoopbackServer } = await import("../src/testing/index.js");
	await runExample("Next.js route handlers", (atlassian, tokens, port) => {
		const routes = createNextRouteHandlers(atlassian, tokens);
		const byPath: Record<string, (request: Request) => Promise<Response>> = {
			"/login/atlassian": routes.login,
			"/login/atlassian/callback": routes.callback,
			"/me": routes.me,
		};
		return startLoopbackServer(
			(request) => byPath[new URL(request.url).pathname]?.(request) ?? new Response("Not found", { status: 404 }),
			{
				port,
				hostname: "localhost",
			},
		);
	});
}
