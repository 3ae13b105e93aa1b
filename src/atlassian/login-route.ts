import { isLoopbackHostname } from "../internal/loopback.js";
import { AuthorizationCallbackError, validateAuthorizationCallback } from "../oauth2/callback.js";
import { generateCodeVerifier } from "../oauth2/pkce.js";
import { generateState } from "../oauth2/state.js";
import type { OAuth2Tokens } from "../oauth2/tokens.js";
import type { RequestOptions } from "../oauth2/transport.js";
import type { AtlassianScope } from "./scopes.js";

/** What the login-route helpers need of a provider; `Atlassian` has it. */
export interface LoginRouteProvider {
	readonly redirectURI: string;
	createAuthorizationURL(state: string, scopes: AtlassianScope[], options?: { codeVerifier?: string }): URL;
	validateAuthorizationCode(code: string, options?: RequestOptions & { codeVerifier?: string }): Promise<OAuth2Tokens>;
}

export interface LoginRouteOptions {
	/**
	 * Default `"__Host-atlassian_oauth_state"` when the cookie is Secure: the `__Host-` prefix makes browsers
	 * refuse a cookie of that name set by a sibling subdomain or over plain http (cookie tossing). Without
	 * Secure (http on localhost), `"atlassian_oauth_state"`.
	 */
	cookieName?: string;
	/** Default `/` for a `__Host-` cookie (the prefix requires it); otherwise the path of the redirect URI. */
	cookiePath?: string;
	/** Default 600 (ten minutes): long enough to sign in, short enough to limit replay. A whole number from 1 to 86 400. */
	maxAgeSeconds?: number;
	/** Default `true`, except for an `http:` redirect URI on a loopback host during development. */
	secure?: boolean;
	/**
	 * Default `false`. `true`: PKCE S256 — a code verifier is generated, kept in the same HttpOnly state cookie,
	 * and sent with the code exchange, so a stolen code is useless without the cookie.
	 */
	pkce?: boolean;
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
	const cookie = stateCookie(provider, options);
	const state = generateState();
	const codeVerifier = options.pkce ? generateCodeVerifier() : undefined;
	const url = provider.createAuthorizationURL(state, scopes, codeVerifier === undefined ? undefined : { codeVerifier });
	// Both are base64url, so "." separates them unambiguously.
	const value = codeVerifier === undefined ? state : `${state}.${codeVerifier}`;
	return new Response(null, { status: 302, headers: { Location: url.href, "Set-Cookie": cookie.set(value), "Cache-Control": "no-store" } });
}

/**
 * The callback route: checks the state cookie against the callback's state (constant time), then
 * exchanges the code. Throws `AuthorizationCallbackError` (bad, missing or duplicated state, no code),
 * `OAuth2RequestError` (`access_denied` when the user declined, or a token-endpoint error) and the
 * transport errors; on any outcome, send `clearLoginStateCookie()` back to delete the cookie.
 */
export async function validateLoginCallback(
	provider: LoginRouteProvider,
	request: Request,
	options: LoginRouteOptions & RequestOptions = {},
): Promise<LoginCallbackResult> {
	const cookie = stateCookie(provider, options);
	const values = readCookie(request.headers.get("Cookie"), cookie.name);
	if (values.length > 1) {
		// Two cookies of our name: one was planted (a sibling subdomain, a man-in-the-middle on http) and
		// the browser may send it first. Neither can be trusted.
		throw new AuthorizationCallbackError("ambiguous_stored_state");
	}
	const [storedState = null, codeVerifier] = values[0]?.split(".") ?? [];
	if (options.pkce && !codeVerifier) {
		// A cookie from before PKCE was turned on, or one not set by createLoginResponse().
		throw new AuthorizationCallbackError("missing_stored_state");
	}
	const code = validateAuthorizationCallback(new URL(request.url), storedState);
	const tokens = await provider.validateAuthorizationCode(code, {
		signal: options.signal ?? request.signal,
		...(options.pkce ? { codeVerifier } : {}),
	});
	return { tokens, clearStateCookie: cookie.set("", 0) };
}

/** A `Set-Cookie` value that deletes the state cookie. */
export function clearLoginStateCookie(provider: LoginRouteProvider, options: LoginRouteOptions = {}): string {
	return stateCookie(provider, options).set("", 0);
}

// RFC 6265: a cookie name is a token; a Path value has no ';' and no control characters.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_PATH = /^\/[\x21-\x3a\x3c-\x7e]*$/;

/** The state cookie's attributes, checked once, so nothing unchecked reaches `Set-Cookie`. */
function stateCookie(provider: LoginRouteProvider, options: LoginRouteOptions) {
	const redirectURI = new URL(provider.redirectURI);
	const secure = options.secure ?? !(redirectURI.protocol === "http:" && isLoopbackHostname(redirectURI.hostname));
	const name = options.cookieName ?? (secure ? "__Host-atlassian_oauth_state" : "atlassian_oauth_state");
	const hostPrefixed = name.startsWith("__Host-");
	const path = options.cookiePath ?? (hostPrefixed ? "/" : redirectURI.pathname);
	const maxAgeSeconds = options.maxAgeSeconds ?? 600;
	if (!COOKIE_NAME.test(name)) {
		throw new TypeError(`cookieName must be a cookie-name token (letters, digits and !#$%&'*+-.^_\`|~), got ${JSON.stringify(name)}`);
	}
	if (!COOKIE_PATH.test(path)) {
		throw new TypeError(
			`The state cookie's Path must start with "/" and contain no ";", spaces or control characters, got ${JSON.stringify(path)}${options.cookiePath === undefined ? " (from the redirect URI: set cookiePath)" : ""}`,
		);
	}
	if ((hostPrefixed || name.startsWith("__Secure-")) && !secure) {
		throw new TypeError(`A cookie named ${name} must be Secure: browsers drop it otherwise`);
	}
	if (hostPrefixed && path !== "/") {
		throw new TypeError(`A __Host- cookie must have Path=/, got ${JSON.stringify(path)}`);
	}
	if (!(Number.isInteger(maxAgeSeconds) && maxAgeSeconds >= 1 && maxAgeSeconds <= 86_400)) {
		throw new TypeError(`maxAgeSeconds must be a whole number of seconds from 1 to 86400, got ${String(maxAgeSeconds)}`);
	}
	return {
		name,
		set: (value: string, maxAge = maxAgeSeconds) =>
			`${name}=${value}; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`,
	};
}

/** Every value of the cookie `name` in a `Cookie` header. */
function readCookie(header: string | null, name: string): string[] {
	const values: string[] = [];
	for (const part of (header ?? "").split(";")) {
		const separator = part.indexOf("=");
		if (separator !== -1 && part.slice(0, separator).trim() === name) {
			values.push(part.slice(separator + 1).trim());
		}
	}
	return values;
}
