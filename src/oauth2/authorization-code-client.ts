import type { ClientAuthentication } from "./client-authentication.js";
import { processRevocationResponse, processTokenResponse } from "./endpoint-responses.js";
import type { Telemetry } from "./telemetry.js";
import type { OAuth2Tokens } from "./tokens.js";
import { createTransport, type FetchFunction, type OutgoingRequest, type RequestOptions, send, type Transport } from "./transport.js";

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
	/** Instrumentation of every request, e.g. `openTelemetry()` from `atlassian-3lo/otel`. Default: none. */
	telemetry?: Telemetry;
}

/**
 * What `AuthorizationCodeClient` needs besides the public options: how the client authenticates, and
 * optionally the transport its owner built and shares with other requests (else one is built from the options).
 */
export interface AuthorizationCodeClientOptions extends Omit<OAuth2ClientOptions, "clientAuthentication"> {
	clientAuthentication: ClientAuthentication;
	transport?: Transport;
}

/**
 * The authorization code grant (RFC 6749), refresh and revocation (RFC 7009), without PKCE.
 * `OAuth2Client` adds PKCE and Basic credentials on top; `Atlassian` uses this class directly, because
 * Atlassian has neither, and the SHA-256 and base64 code they need would only grow a sign-in bundle.
 */
export class AuthorizationCodeClient {
	public clientId: string;
	public redirectURI: string | null;
	readonly #options: AuthorizationCodeClientOptions;
	readonly #transport: Transport;
	readonly #authorizationParameters: [string, string][];

	constructor(clientId: string, redirectURI: string | null, options: AuthorizationCodeClientOptions) {
		this.clientId = clientId;
		this.redirectURI = redirectURI;
		this.#transport = options.transport ?? createTransport(options, options.clientAuthentication.secrets);
		this.#options = options;
		this.#authorizationParameters = Object.entries(options.authorizationParameters ?? {});
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
		return processTokenResponse(await send(request, this.#transport, options));
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
		return processTokenResponse(await send(request, this.#transport, options));
	}

	public async revokeToken(tokenRevocationEndpoint: string, token: string, options?: RequestOptions): Promise<void> {
		const request = this.#tokenRequest(tokenRevocationEndpoint, { token }, [token]);
		processRevocationResponse(await send(request, this.#transport, options));
	}

	/** `credentials`: the grant's own secrets (code, verifier, refresh token), kept out of errors like the client secret. */
	#tokenRequest(url: string, parameters: Record<string, string>, credentials: (string | null)[]): OutgoingRequest {
		const { clientAuthentication, bodyEncoding } = this.#options;
		const json = bodyEncoding === "json";
		const headers: Record<string, string> = {
			Accept: "application/json",
			"Content-Type": json ? "application/json" : "application/x-www-form-urlencoded",
		};
		const body = { ...parameters };
		clientAuthentication.authenticate(headers, body);
		return {
			url,
			method: "POST",
			headers,
			body: json ? JSON.stringify(body) : new URLSearchParams(body).toString(),
			credentials,
			operation: parameters.grant_type ?? "revocation",
		};
	}
}
