// Express: "Sign in with Atlassian" and an API call as the signed-in user. Express has no adapter for Web
// Responses, so sendWebResponse() sends them through `res`.
import express from "express";
import { type Atlassian, createLoginResponse, type TokenManager, validateLoginCallback } from "../src/index.js";
import { sendWebResponse } from "../src/node/index.js";

const SCOPES = ["read:me", "offline_access"];

export function createExpressApp(atlassian: Atlassian, tokens: TokenManager): express.Express {
	const app = express();

	app.get("/login/atlassian", async (_req, res) => {
		await sendWebResponse(createLoginResponse(atlassian, SCOPES), res);
	});

	app.get("/login/atlassian/callback", async (req, res) => {
		// validateLoginCallback() reads the URL and the Cookie header of a Web Request.
		const request = new Request(new URL(req.originalUrl, `${req.protocol}://${req.get("host")}`), {
			headers: { cookie: req.get("cookie") ?? "" },
		});
		try {
			const { tokens: granted, clearStateCookie } = await validateLoginCallback(atlassian, request);
			const user = await atlassian.getUser(granted.accessToken());
			await tokens.save(user.account_id, granted);
			// Your own session goes here; the account id in a cookie keeps the recipe short.
			res.append("Set-Cookie", clearStateCookie);
			res.cookie("uid", user.account_id, { httpOnly: true, sameSite: "lax" }).redirect(303, "/me");
		} catch {
			res.status(400).send("Sign-in failed: start again at /login/atlassian");
		}
	});

	app.get("/me", async (req, res) => {
		const uid = /(?:^|;\s*)uid=([^;]*)/.exec(req.get("cookie") ?? "")?.[1];
		if (!uid) return void res.redirect(303, "/login/atlassian");
		const user = await atlassian.getUser(await tokens.getAccessToken(decodeURIComponent(uid)));
		res.json({ name: user.name });
	});

	return app;
}

// Below: `npx tsx examples/express.ts` runs this recipe on http://localhost:3000 (examples/run-example.ts).
if (import.meta.filename === process.argv[1]) {
	const { runExample } = await import("./run-example.js");
	await runExample(
		"Express",
		(atlassian, tokens, port) =>
			new Promise((resolve) => createExpressApp(atlassian, tokens).listen(port, "localhost", () => resolve(undefined))),
	);
}
