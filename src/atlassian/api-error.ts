/**
 * An Atlassian API (resource server) refused a request: `/me`, `/oauth/token/accessible-resources`
 * or a product API behind the gateway. Distinct from token-endpoint errors (`OAuth2RequestError`).
 */
export class AtlassianAPIError extends Error {
	/** 401: the access token is expired or invalid (refresh it). 403: a scope is missing or the user lacks permission. */
	public status: number;
	/** The parsed JSON error body, or `null` when it was empty or not JSON. The access token is redacted. */
	public data: unknown;

	constructor(status: number, data: unknown) {
		super(
			`Atlassian API error (HTTP ${status})${
				status === 401 ? ": the access token is expired or invalid; refresh it" : status === 403 ? ": missing scope or permission" : ""
			}`,
		);
		this.name = "AtlassianAPIError";
		this.status = status;
		this.data = data;
	}
}
