// Runtime-neutral smoke test of the packed package: runs unchanged in Node, Bun, Deno and workerd.
// No network: every request goes to an injected fetch that plays Atlassian.
import { ArcticFetchError, Atlassian, generateState, OAuth2RequestError, UnexpectedResponseError } from "atlassian-3lo";

function check(condition, message) {
	if (!condition) throw new Error(`smoke check failed: ${message}`);
}

function atlassianWith(answer, options = {}) {
	const seen = [];
	const fetch = async (input, init) => {
		seen.push({ url: String(input), body: JSON.parse(init.body) });
		return answer();
	};
	return { seen, atlassian: new Atlassian("client-id", "client-secret", "https://app.example/callback", { fetch, ...options }) };
}

const json = (body, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

export async function runSmoke() {
	const passed = [];

	const state = generateState();
	const url = new Atlassian("client-id", "client-secret", "https://app.example/callback").createAuthorizationURL(state, [
		"read:me",
		"offline_access",
	]);
	check(url.origin === "https://auth.atlassian.com" && url.pathname === "/authorize", "authorization endpoint");
	check(url.searchParams.get("state") === state && state.length === 43, "state");
	check(url.searchParams.get("audience") === "api.atlassian.com" && url.searchParams.get("prompt") === "consent", "audience and prompt");
	check(url.searchParams.get("scope") === "read:me offline_access", "scope");
	passed.push("authorization URL");

	const exchange = atlassianWith(() => json({ access_token: "at-1", refresh_token: "rt-1", expires_in: 3600, token_type: "Bearer" }));
	const tokens = await exchange.atlassian.validateAuthorizationCode("the-code");
	check(tokens.accessToken() === "at-1" && tokens.refreshToken() === "rt-1", "tokens");
	check(tokens.accessTokenExpiresAt().getTime() > Date.now() + 3_500_000, "expiry");
	check(exchange.seen[0].url === "https://auth.atlassian.com/oauth/token", "token endpoint");
	check(exchange.seen[0].body.grant_type === "authorization_code" && exchange.seen[0].body.code === "the-code", "code exchange body");
	passed.push("code exchange");

	const refresh = atlassianWith(() => json({ access_token: "at-2", refresh_token: "rt-2", expires_in: 3600 }));
	check((await refresh.atlassian.refreshAccessToken("rt-1")).refreshToken() === "rt-2", "refresh");
	check(refresh.seen[0].body.refresh_token === "rt-1", "refresh body");
	passed.push("refresh");

	const dead = atlassianWith(() => json({ error: "invalid_grant", error_description: "Unknown or invalid refresh token." }, 403));
	const deadError = await dead.atlassian.refreshAccessToken("rt-0").catch((error) => error);
	check(deadError instanceof OAuth2RequestError && deadError.code === "invalid_grant" && deadError.status === 403, "403 invalid_grant");
	const html = atlassianWith(() => new Response("<html>Bad gateway</html>", { status: 502, headers: { "Content-Type": "text/html" } }));
	const htmlError = await html.atlassian.refreshAccessToken("rt").catch((error) => error);
	check(htmlError instanceof UnexpectedResponseError && htmlError.status === 502, "HTML 502");
	check(!JSON.stringify({ ...deadError, message: deadError.message }).includes("client-secret"), "no secret in errors");
	passed.push("error classification");

	const hanging = new Atlassian("client-id", "client-secret", "https://app.example/callback", {
		timeoutMs: 50,
		fetch: () => new Promise(() => {}),
	});
	const timeoutError = await hanging.refreshAccessToken("rt").catch((error) => error);
	check(timeoutError instanceof ArcticFetchError && timeoutError.cause?.name === "TimeoutError", "timeout");
	passed.push("timeout");

	return passed;
}
