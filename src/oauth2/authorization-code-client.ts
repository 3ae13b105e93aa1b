import { encodeBase64 } from "@oslojs/encoding";
import type { OAuth2Tokens } from "./tokens.js";
import { type FetchFunction, type OutgoingRequest, type RequestOptions, send, toRevocation, toTokens } from "./transport.js";

export interface OAuth2ClientOptions {
	/** A fetch implementation; when omitted, the global `fetch` is looked up at call time. */
	fetch?: FetchFunction;
	/** Deadline for one request, response body included. Default 30 000 ms. */
	timeoutMs?: number;
	/**
	 * How a confidential client authenticates (RFC 6749 §2.3.1): `"basic"` (default) sends an
	 * `Authorization: Basic` header, `"body"` sends `client_id` and `client_secret` in the request body.
	 */
	clientAuthentication?: "basic" | "body";
	/** `"form"` (default, RFC 6749) or `"json"` (what Atlassian documents). */
	bodyEncoding?: "form" | "json";
	/** Extra query parameters added to every authorization URL (e.g. Atlassian's `audience` and `prompt`). */
	authorizationParameters?: Record<string, string>;
}

/**
 * The authorization code grant (RFC 6749), refresh and revocation (RFC 7009), without PKCE.
 * `OAuth2Client` adds PKCE on top; `Atlassian` wraps this class directly, because Atlassian has no PKCE
 * and the SHA-256 code it would pull in would triple the size of a sign-in bundle.
 */
export class AuthorizationCodeClient {
	public clientId: string;
	public redirectURI: string | null;
	readonly #clientPassword: string | null;
	readonly #options: OAuth2ClientOptions;
	readonly #secrets: readonly string[];
	readonly #authorizationParameters: [string, string][];

	constructor(clientId: string, clientPassword: string | null, redirectURI: string | null, options: OAuth2ClientOptions = {}) {
		this.clientId = clientId;
		this.#clientPassword = clientPassword;
		this.redirectURI = redirectURI;
		this.#options = options;
		this.#authorizationParameters = Object.entries(options.authorizationParameters ?? {});
		this.#secrets = clientPassword === null || clientPassword === "" ? [] : secretEncodings(clientId, clientPassword);
	}

	public createAuthorizationURL(authorizationEndpoint: string, state: string, scopes: string[]): URL {
		const url = new URL(authorizationEndpoint);
		url.searchParams.set("response_type", "code");
		url.searchParams.set("client_id", this.clientId);
		if (this.redirectURI !== null) {
			url.searchParams.set("redirect_uri", this.redirectURI);
		}
		url.searchParams.set("state", state);
		if (scopes.length > 0) {
			url.searchParams.set("scope", scopes.join(" "));
		}
		for (const [name, value] of this.#authorizationParameters) {
			url.searchParams.set(name, value);
		}
		return url;
	}

	public async validateAuthorizationCode(
		tokenEndpoint: string,
		code: string,
		codeVerifier: string | null,
		options?: RequestOptions,
	): Promise<OAuth2Tokens> {
		const parameters: Record<string, string> = { grant_type: "authorization_code", code };
		if (this.redirectURI !== null) {
			parameters.redirect_uri = this.redirectURI;
		}
		if (codeVerifier !== null) {
			parameters.code_verifier = codeVerifier;
		}
		const request = this.#tokenRequest(tokenEndpoint, parameters, [code, codeVerifier]);
		return toTokens(await send(request, this.#options, options), request.secrets);
	}

	public async refreshAccessToken(
		tokenEndpoint: string,
		refreshToken: string,
		scopes: string[],
		options?: RequestOptions,
	): Promise<OAuth2Tokens> {
		const parameters: Record<string, string> = { grant_type: "refresh_token", refresh_token: refreshToken };
		if (scopes.length > 0) {
			parameters.scope = scopes.join(" ");
		}
		const request = this.#tokenRequest(tokenEndpoint, parameters, [refreshToken]);
		return toTokens(await send(request, this.#options, options), request.secrets);
	}

	public async revokeToken(tokenRevocationEndpoint: string, token: string, options?: RequestOptions): Promise<void> {
		const request = this.#tokenRequest(tokenRevocationEndpoint, { token }, [token]);
		toRevocation(await send(request, this.#options, options), request.secrets);
	}

	/** `credentials`: the grant's own secrets (code, verifier, refresh token), kept out of errors like the client secret. */
	#tokenRequest(endpoint: string, parameters: Record<string, string>, credentials: (string | null)[]): OutgoingRequest {
		// Very short values are test placeholders; redacting them would only garble error messages.
		const secrets = [...this.#secrets, ...credentials.filter((value): value is string => value !== null && value.length >= 8)];
		const headers: Record<string, string> = { Accept: "application/json" };
		const body = { ...parameters };
		if (this.#clientPassword === null) {
			// A public client identifies itself in the body (RFC 6749 §3.2.1).
			body.client_id = this.clientId;
		} else if (this.#options.clientAuthentication === "body") {
			body.client_id = this.clientId;
			body.client_secret = this.#clientPassword;
		} else {
			headers.Authorization = `Basic ${basicCredentials(this.clientId, this.#clientPassword)}`;
		}
		if (this.#options.bodyEncoding === "json") {
			headers["Content-Type"] = "application/json";
			return { url: endpoint, method: "POST", headers, body: JSON.stringify(body), secrets };
		}
		headers["Content-Type"] = "application/x-www-form-urlencoded";
		return { url: endpoint, method: "POST", headers, body: new URLSearchParams(body).toString(), secrets };
	}
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and base64-encoded. */
function basicCredentials(clientId: string, clientPassword: string): string {
	return encodeBase64(new TextEncoder().encode(`${formUrlEncode(clientId)}:${formUrlEncode(clientPassword)}`));
}

function formUrlEncode(value: string): string {
	return new URLSearchParams([["", value]]).toString().slice(1);
}

/** Every form in which the secret leaves this process, so that none of them can come back in an error. */
function secretEncodings(clientId: string, clientPassword: string): string[] {
	return [
		clientPassword,
		formUrlEncode(clientPassword),
		JSON.stringify(clientPassword).slice(1, -1),
		basicCredentials(clientId, clientPassword),
	];
}
