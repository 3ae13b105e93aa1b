import type { EmulatedAuthorizationServer } from "./authorization-server.js";
import { consentPage, errorPage } from "./consent-page.js";

// The consent step of auth.atlassian.com: the page a user sees, and what their click on it sends the app.

/** `GET /authorize`: checks the app, its callback URL and the audience, then shows the consent page. */
export function authorize(server: EmulatedAuthorizationServer, url: URL): Response {
	const params = url.searchParams;
	const client = server.clients.find((candidate) => candidate.clientId === params.get("client_id"));
	if (!client) return errorPage(400, `Unknown client_id "${params.get("client_id") ?? ""}": register the app first.`);
	const redirectURI = params.get("redirect_uri") ?? "";
	if (!client.redirectURIs.includes(redirectURI)) {
		// Atlassian redirects to its identity site's error page (id.atlassian.com/error); the emulator to its own.
		const target = new URL("/error", url);
		target.searchParams.set("error", "unauthorized_client");
		target.searchParams.set("error_description", `redirect_uri "${redirectURI}" is not a callback URL of this app`);
		return new Response(null, { status: 302, headers: { Location: target.href } });
	}
	if (params.get("response_type") !== "code") return errorPage(400, 'response_type must be "code".');
	const challengeMethod = params.get("code_challenge_method");
	if (challengeMethod !== null && challengeMethod !== "S256") return errorPage(400, "code_challenge_method must be S256.");
	const audience = params.get("audience");
	if (audience === null || !(server.audiences.includes(audience) || audience === url.host)) {
		return errorPage(400, `audience must be api.atlassian.com (or this emulator's host, ${url.host}).`);
	}
	const scopes = (params.get("scope") ?? "").split(" ").filter(Boolean);
	return new Response(
		consentPage({
			clientId: client.clientId,
			appName: client.name ?? client.clientId,
			sites: server.sites.map((site) => ({ id: site.id, name: site.name, url: site.url })),
			redirectURI,
			state: params.get("state"),
			codeChallenge: params.get("code_challenge"),
			scopes,
			users: server.users.map((user) => ({ accountId: user.profile.account_id, name: user.profile.name, email: user.profile.email })),
		}),
		{ headers: { "Content-Type": "text/html; charset=utf-8" } },
	);
}

/** `POST /authorize/decision`: Accept redirects to the app with a code, Decline with `access_denied`. */
export async function decide(server: EmulatedAuthorizationServer, request: Request): Promise<Response> {
	const form = new URLSearchParams(await request.text());
	const client = server.clients.find((candidate) => candidate.clientId === form.get("client_id"));
	const redirectURI = form.get("redirect_uri") ?? "";
	if (!client?.redirectURIs.includes(redirectURI)) return errorPage(400, "Invalid consent form.");
	const target = new URL(redirectURI);
	if (form.get("decision") === "accept") {
		const code = server.issueAuthorizationCode({
			clientId: client.clientId,
			redirectURI,
			scopes: (form.get("scope") ?? "").split(" ").filter(Boolean),
			accountId: form.get("account_id") ?? undefined,
			codeChallenge: form.get("code_challenge") ?? undefined,
			siteId: form.get("site_id") || undefined,
		});
		target.searchParams.set("code", code);
	} else {
		target.searchParams.set("error", "access_denied");
		target.searchParams.set("error_description", "User did not authorize the request");
	}
	const state = form.get("state");
	if (state !== null) target.searchParams.set("state", state);
	return new Response(null, { status: 302, headers: { Location: target.href } });
}
