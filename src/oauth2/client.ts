import { AuthorizationCodeClient, type OAuth2ClientOptions } from "./authorization-code-client.js";
import { clientSecretPost, publicClient } from "./client-authentication.js";
import { clientSecretBasic } from "./client-secret-basic.js";
import { CodeChallengeMethod, createCodeChallenge } from "./pkce.js";

export type { OAuth2ClientOptions } from "./authorization-code-client.js";

/** A generic OAuth 2.0 client (RFC 6749, PKCE per RFC 7636, revocation per RFC 7009) with Arctic's signatures. */
export class OAuth2Client extends AuthorizationCodeClient {
	/** `clientPassword`: the client secret, or `null` for a public client. */
	constructor(clientId: string, clientPassword: string | null, redirectURI: string | null, options: OAuth2ClientOptions = {}) {
		super(clientId, redirectURI, {
			...options,
			clientAuthentication:
				clientPassword === null
					? publicClient(clientId)
					: options.clientAuthentication === "body"
						? clientSecretPost(clientId, clientPassword)
						: clientSecretBasic(clientId, clientPassword),
		});
	}

	public createAuthorizationURLWithPKCE(
		authorizationEndpoint: string,
		state: string,
		codeChallengeMethod: CodeChallengeMethod,
		codeVerifier: string,
		scopes: string[],
	): URL {
		const url = this.createAuthorizationURL(authorizationEndpoint, state, scopes);
		url.searchParams.set("code_challenge_method", codeChallengeMethod === CodeChallengeMethod.S256 ? "S256" : "plain");
		url.searchParams.set("code_challenge", createCodeChallenge(codeChallengeMethod, codeVerifier));
		return url;
	}
}
