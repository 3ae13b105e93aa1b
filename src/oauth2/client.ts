import { AuthorizationCodeClient } from "./authorization-code-client.js";
import { CodeChallengeMethod, createCodeChallenge } from "./pkce.js";

export type { OAuth2ClientOptions } from "./authorization-code-client.js";

/** A generic OAuth 2.0 client (RFC 6749, PKCE per RFC 7636, revocation per RFC 7009) with Arctic's signatures. */
export class OAuth2Client extends AuthorizationCodeClient {
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
