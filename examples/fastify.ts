// Fastify: the same routes. The login redirect goes through reply.raw with sendWebResponse(), after
// reply.hijack() tells Fastify that the route sends its own response.
import Fastify, { type FastifyInstance } from "fastify";
import { type Atlassian, createLoginResponse, type TokenManager, validateLoginCallback } from "../src/index.js";
import { sendWebResponse } from "../src/node/index.js";

const SCOPES = ["read:me", "offline_access"];

export function createFastifyApp(atlassian: Atlassian, tokens: TokenManager): FastifyInstance {
	const app = Fastify();

	app.get("/login/atlassian", async (_request, reply) => {
		reply.hijack();
		await sendWebResponse(createLoginResponse(atlassian, SCOPES), reply.raw);
	});

	app.get("/login/atlassian/callback", async (request, reply) => {
		const webRequest = new Request(new URL(request.url, `${request.protocol}://${request.host}`), {
			headers: { cookie: request.headers.cookie ?? "" },
		});
		try {
			const { tokens: granted, clearStateCookie } = await validateLoginCallback(atlassian, webRequest);
			const user = await atlassian.getUser(granted.accessToken());
			await tokens.save(user.account_id, granted);
			// Your own session goes here; the account id in a cookie keeps the recipe short.
			return reply
				.header("Set-Cookie", [clearStateCookie, `uid=${encodeURIComponent(user.account_id)}; Path=/; HttpOnly; SameSite=Lax`])
				.redirect("/me", 303);
		} catch {
			return reply.status(400).send("Sign-in failed: start again at /login/atlassian");
		}
	});

	app.get("/me", async (request, reply) => {
		const uid = /(?:^|;\s*)uid=([^;]*)/.exec(request.headers.cookie ?? "")?.[1];
		if (!uid) return reply.redirect("/login/atlassian", 303);
		const user = await atlassian.getUser(await tokens.getAccessToken(decodeURIComponent(uid)));
		return { name: user.name };
	});

	return app;
}

// Below: `npx tsx examples/fastify.ts` runs this recipe on http://localhost:3000 (examples/run-example.ts).
if (import.meta.filename === process.argv[1]) {
	const { runExample } = await import("./run-example.js");
	await runExample("Fastify", (atlassian, tokens, port) => createFastifyApp(atlassian, tokens).listen({ port, host: "localhost" }));
}
