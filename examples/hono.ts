// Hono: handlers take and return Web Requests and Responses, so the library's routes fit as they are.
import { Hono } from "hono";
import { type Atlassian, createLoginResponse, type TokenManager, validateLoginCallback } from "../src/index.js";

const SCOPES = ["read:me", "offline_access"];

export function createHonoApp(atlassian: Atlassian, tokens: TokenManager): Hono {
	const app = new Hono();

	app.get("/login/atlassian", () => createLoginResponse(atlassian, SCOPES));

	app.get("/login/atlassian/callback", async (c) => {
		try {
			const { tokens: granted, clearStateCookie } = await validateLoginCallback(atlassian, c.req.raw);
			const user = await atlassian.getUser(granted.accessToken());
			await tokens.save(user.account_id, granted);
			const headers = new Headers({ Location: "/me" });
			headers.append("Set-Cookie", clearStateCookie);
			// Your own session goes here; the account id in a cookie keeps the recipe short.
			headers.append("Set-Cookie", `uid=${encodeURIComponent(user.account_id)}; Path=/; HttpOnly; SameSite=Lax`);
			return new Response(null, { status: 303, headers });
		} catch {
			return c.text("Sign-in failed: start again at /login/atlassian", 400);
		}
	});

	app.get("/me", async (c) => {
		const uid = /(?:^|;\s*)uid=([^;]*)/.exec(c.req.header("cookie") ?? "")?.[1];
		if (!uid) return c.redirect("/login/atlassian", 303);
		const user = await atlassian.getUser(await tokens.getAccessToken(decodeURIComponent(uid)));
		return c.json({ name: user.name });
	});

	return app;
}

// Below: `npx tsx examples/hono.ts` runs this recipe on http://localhost:3000 (examples/run-example.ts).
if (import.meta.filename === process.argv[1]) {
	const { runExample } = await import("./run-example.js");
	const { startLoopbackServer } = await import("../src/testing/index.js");
	await runExample("Hono", (atlassian, tokens, port) =>
		startLoopbackServer(createHonoApp(atlassian, tokens).fetch, { port, hostname: "localhost" }),
	);
}
