import { AuthorizationCodeClient } from "../oauth2/authorization-code-client.js";
import { clientSecretPost } from "../oauth2/client-authentication.js";
import { CodeChallengeMethod, createCodeChallenge } from "../oauth2/pkce.js";
import type { Telemetry } from "../oauth2/telemetry.js";
import type { OAuth2Tokens } from "../oauth2/tokens.js";
import { createTransport, type FetchFunction, type RequestOptions } from "../oauth2/transport.js";
import { type AccessibleResource, fetchAccessibleResources } from "./accessible-resources.js";
import { type AtlassianCloud, type AtlassianHostOverrides, cloudHosts, customHosts } from "./cloud.js";
import { type AtlassianConfiguration, setConfiguration } from "./configuration.js";
import { getResource } from "./resource-request.js";
import type { AtlassianScope } from "./scopes.js";
import { type AtlassianUser, fetchUser } from "./user.js";

export interface AtlassianOptions {
	/** A fetch implementation; when omitted, the global `fetch` is looked up at call time. */
	fetch?: FetchFunction;
	/** Deadline for one request, response body included. Default 30 000 ms. */
	timeoutMs?: number;
	/** `"commercial"` (default) or `"us-gov-mod"` for Atlassian Government Cloud. */
	cloud?: AtlassianCloud;
	/** Talk to other origins than Atlassian's, e.g. the emulator from `atlassian-3lo/testing`. Overrides `cloud`. */
	hosts?: AtlassianHostOverrides;
	/** The authorization URL's `prompt`. Default `"consent"`, as Atlassian's documented URL template has it. */
	prompt?: string;
	/** Instrumentation of every request (token endpoint and API gateway), e.g. `openTelemetry()` from `atlassian-3lo/otel`. Default: none. */
	telemetry?: Telemetry;
}

/** PKCE (RFC 7636) for `createAuthorizationURL()`: the code verifier whose S256 challenge the URL carries. */
export interface AtlassianAuthorizationURLOptions {
	codeVerifier?: string;
}

/** Options of `validateAuthorizationCode()`: a signal, and the PKCE code verifier when the URL carried a challenge. */
export interface AtlassianCodeExchangeOptions extends RequestOptions {
	codeVerifier?: string;
}

/** "Sign in with Atlassian": OAuth 2.0 (3LO) for Jira, Confluence and the rest of Atlassian Cloud. */
export class Atlassian {
	public readonly authorizationEndpoint: string;
	public readonly tokenEndpoint: string;
	/** Origin of the API gateway (`https://api.atlassian.com` on the commercial cloud). */
	public readonly apiGateway: string;
	public readonly redirectURI: string;
	readonly #client: AuthorizationCodeClient;
	readonly #configuration: AtlassianConfiguration;

	constructor(clientId: string, clientSecret: string, redirectURI: string, options: AtlassianOptions = {}) {
		const hosts = options.hosts ? customHosts(options.hosts) : cloudHosts(options.cloud ?? "commercial");
		this.apiGateway = hosts.apiGateway;
		this.authorizationEndpoint = `${hosts.authorizationServer}/authorize`;
		this.tokenEndpoint = `${hosts.authorizationServer}/oauth/token`;
		this.redirectURI = redirectURI;
		const clientAuthentication = clientSecretPost(clientId, clientSecret);
		// One transport for token requests and API requests: one fetch, one deadline, one list of secrets.
		const transport = createTransport(options, clientAuthentication.secrets);
		this.#configuration = { apiGateway: this.apiGateway, transport };
		setConfiguration(this, this.#configuration);
		this.#client = new AuthorizationCodeClient(clientId, redirectURI, {
			transport,
			clientAuthentication,
			bodyEncoding: "json",
			authorizationParameters: { audience: hosts.audience, prompt: options.prompt ?? "consent" },
		});
	}

	/**
	 * The consent-page URL. Include `offline_access` in `scopes` to receive a refresh token. With a
	 * `codeVerifier` (from `generateCodeVerifier()`), the URL carries its S256 challenge (PKCE): pass the
	 * same verifier to `validateAuthorizationCode()`.
	 */
	public createAuthorizationURL(state: string, scopes: AtlassianScope[], options?: AtlassianAuthorizationURLOptions): URL {
		const url = this.#client.createAuthorizationURL(this.authorizationEndpoint, state, scopes);
		if (options?.codeVerifier !== undefined) {
			// Atlassian's authorization server advertises S256 in its metadata; its 3LO guide does not document PKCE.
			url.searchParams.set("code_challenge_method", "S256");
			url.searchParams.set("code_challenge", createCodeChallenge(CodeChallengeMethod.S256, options.codeVerifier));
		}
		if (scopes.length === 0) {
			// Atlassian requires the parameter even when no scope is requested.
			url.searchParams.set("scope", "");
		}
		return url;
	}

	public validateAuthorizationCode(code: string, options?: AtlassianCodeExchangeOptions): Promise<OAuth2Tokens> {
		return this.#client.validateAuthorizationCode(this.tokenEndpoint, code, options?.codeVerifier ?? null, options);
	}

	/** Atlassian rotates refresh tokens: store the new one from the result before using the access token. */
	public refreshAccessToken(refreshToken: string, options?: RequestOptions): Promise<OAuth2Tokens> {
		return this.#client.refreshAccessToken(this.tokenEndpoint, refreshToken, [], options);
	}

	/** The signed-in user (`GET /me`; needs the `read:me` scope). */
	public getUser(accessToken: string, options?: RequestOptions): Promise<AtlassianUser> {
		return fetchUser(this.#configuration, accessToken, options);
	}

	/** The sites this grant reaches, with their cloud ids, in no particular order: pick one with `selectSite()`. */
	public getAccessibleResources(accessToken: string, options?: RequestOptions): Promise<AccessibleResource[]> {
		return fetchAccessibleResources(this.#configuration, accessToken, options);
	}

	/**
	 * GET one JSON resource of the API gateway (build the URL with `createGatewayURL`), with the same timeout,
	 * size cap and error rules as token requests. Returns `null` for a 204. Throws `AtlassianScopeError` for a
	 * missing scope, `AtlassianAPIError` for any other 4xx/5xx, and a `TypeError`, with nothing sent, for a URL
	 * off the gateway. For writes, retries and refresh-on-401, use `createAtlassianFetch`.
	 */
	public getResource(accessToken: string, url: string | URL, options?: RequestOptions): Promise<unknown> {
		return getResource(url, accessToken, this.#configuration, options);
	}
}
