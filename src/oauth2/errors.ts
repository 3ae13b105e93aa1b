import { brandError } from "../internal/error-brand.js";

/**
 * The token endpoint answered with an OAuth 2.0 error body (RFC 6749 §5.2).
 * Atlassian sends these on 400, 401 and 403 (a dead refresh token is 403 `invalid_grant`).
 */
export class OAuth2RequestError extends Error {
	public code: string;
	public description: string | null;
	public uri: string | null;
	public state: string | null;
	/**
	 * HTTP status of the response, or `null` when no response says it now: a callback's redirect, or
	 * `TokenManager` reporting a refusal stored earlier or a missing refresh token.
	 */
	public status: number | null;

	constructor(code: string, description: string | null, uri: string | null, state: string | null, status: number | null = null) {
		super(`OAuth request error: ${code}${status === null ? "" : ` (HTTP ${status})`}${description === null ? "" : `: ${description}`}`);
		this.name = "OAuth2RequestError";
		this.code = code;
		this.description = description;
		this.uri = uri;
		this.state = state;
		this.status = status;
	}
}
brandError(OAuth2RequestError, "OAuth2RequestError");

/** The request never produced a usable response: fetch rejected, timed out, was aborted, or the body broke off. */
export class ArcticFetchError extends Error {
	constructor(cause: unknown) {
		super("Failed to send request: the network request failed, timed out or was aborted; it is safe to retry", { cause });
		this.name = "ArcticFetchError";
	}
}
brandError(ArcticFetchError, "ArcticFetchError");

/**
 * The response is not an answer of the kind asked for: an HTML page, a redirect, an empty body, an oversized
 * body. `detail` says which, when known.
 */
export class UnexpectedResponseError extends Error {
	public status: number;

	constructor(responseStatus: number, detail?: string) {
		super(
			`Unexpected response (HTTP ${responseStatus}): ${detail ?? "not an OAuth 2.0 response"}; check the endpoint URL and the server's health`,
		);
		this.name = "UnexpectedResponseError";
		this.status = responseStatus;
	}
}
brandError(UnexpectedResponseError, "UnexpectedResponseError");

/** The response was JSON, but not of the shape OAuth 2.0 prescribes for this status. */
export class UnexpectedErrorResponseBodyError extends Error {
	public status: number;
	public data: unknown;

	constructor(status: number, data: unknown) {
		super(`Unexpected response body (HTTP ${status}): JSON of the wrong shape; see the error's data`);
		this.name = "UnexpectedErrorResponseBodyError";
		this.status = status;
		this.data = data;
	}
}
brandError(UnexpectedErrorResponseBodyError, "UnexpectedErrorResponseBodyError");
