import { validateAuthorizationCallback } from "../oauth2/callback.js";
import { generateState } from "../oauth2/state.js";
import type { OAuth2Tokens } from "../oauth2/tokens.js";
import type { RequestOptions } from "../oauth2/transport.js";
import type { AtlassianScope } from "./scopes.js";

/** What the login-route helpers need of a provider; `Atlassian` has it. */
export interface LoginRouteProvider {
	readonly redirectURI: string;
	createAuthorizationURL(state: string, scopes: AtlassianScope[]): URL;
	validateAuthorizationCode(code: string, options?: RequestOptions): Promise<OAuth2Tokens>;
}

export interface LoginRouteOptions {
	/** Default `"atlassian_oauth_state"`. */
	cookieName?: string;
	/** Default: the path of the redirect URI, so the cookie is only ever sent to the callback. */
	cookiePath?: string;
	/** Default 600 (ten minutes): long enough to sign in, short enough to limit replay. */
	maxAgeSeconds?: number;
	/** Default `true`, except for an `http:` redirect URI on localhost/127.0.0.1 during development. */
	secure?: boolean;
}

export interface LoginCallbackResult {
	tokens: OAuth2Tokens;
	/** A `Set-Cookie` value that deletes the state cookie; send it with your response. */
	clearStateCookie: string;
}

/**
 * The login route: a 302 to Atlassian's consent page that sets an HttpOnly, SameSite=Lax state cookie.
 * Standard `Response`, so it can be returned as-is from Next.js route handlers, Hono, Workers, Bun and Deno.
 */
export function createLoginResponse(provider: LoginRouteProvider, scopes: AtlassianScope[], options: LoginRouteOptions = {}): Response {
	const state = generateState();
	const url = provider.createAuthorizationURL(state, scopes);
	const cookie = stateCookie(provider, options, state, options.maxAgeSeconds ?? 600);
	return new Response(null, { status: 302, headers: { Location: url.href, "Set-Cookie": cookie, "Cache-Control": "no-store" } });
}

/**
 * The callback route: checks the state cookie against the callback's state (constant time), then
 * exchanges the code. Throws `AuthorizationCallbackError` (bad or missing state or code),
 * `OAuth2RequestError` (`access_denied` when the user declined, or a token-endpoint error) and the
 * transport errors; on any outcome, send `clearLoginStateCookie()` back to delete the cookie.
 */
export async function validateLoginCallback(
	provider: LoginRouteProvider,
	request: Request,
	options: LoginRouteOptions & RequestOptions = {},
): Promise<LoginCallbackResult> {
	const storedState = readCookie(request.headers.get("Cookie"), options.cookieName ?? "atlassian_oauth_state");
	const code = validateAuthorizationCallback(new URL(request.url), storedState);
	const tokens = await provider.validateAuthorizationCode(code, { signal: options.signal ?? request.signal });
	return { tokens, clearStateCookie: clearLoginStateCookie(provider, options) };
}

/** A `Set-Cookie` value that deletes the state cookie. */
export function clearLoginStateCookie(provider: LoginRouteProvider, options: LoginRouteOptions = {}): string {
	return stateCookie(provider, options, "", 0);
}

function stateCookie(provider: LoginRouteProvider, options: LoginRouteOptions, value: string, maxAgeSeconds: number): string {
	const redirectURI = new URL(provider.redirectURI);
	const insecureDevelopment = redirectURI.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(redirectURI.hostname);
	const secure = options.secure ?? !insecureDevelopment;
	const path = options.cookiePath ?? redirectURI.pathname;
	return `${options.cookieName ?? "atlassian_oauth_state"}=${value}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}

function readCookie(header: string | null, name: string): string | null {
	for (const part of (header ?? "").split(";")) {
		const separator = part.indexOf("=");
		if (separator !== -1 && part.slice(0, separator).trim() === name) {
			return part.slice(separator + 1).trim();
		}
	}
	return null;
}
