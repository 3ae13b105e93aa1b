import { secretEncodings } from "./redaction.js";

/**
 * How a client identifies itself at the token endpoint (RFC 6749 §2.3). Each method is a separate
 * function so that a provider pulls in only the one it uses (Atlassian: `clientSecretPost`).
 */
export interface ClientAuthentication {
	/** Every form in which the secret leaves this process, so that none of them can come back in an error. */
	readonly secrets: readonly string[];
	/** Adds the client's credentials to a token request. */
	authenticate(headers: Record<string, string>, body: Record<string, string>): void;
}

/** A public client: only `client_id`, in the body (RFC 6749 §3.2.1). */
export function publicClient(clientId: string): ClientAuthentication {
	return {
		secrets: [],
		authenticate(_headers, body) {
			body.client_id = clientId;
		},
	};
}

/** `client_id` and `client_secret` in the request body (RFC 6749 §2.3.1), as Atlassian documents it. */
export function clientSecretPost(clientId: string, clientSecret: string): ClientAuthentication {
	return {
		secrets: secretEncodings(clientSecret),
		authenticate(_headers, body) {
			body.client_id = clientId;
			body.client_secret = clientSecret;
		},
	};
}
