/** Classifiers of the OAuth endpoints' responses, one per endpoint: each turns a `ReceivedResponse` into a result or a typed error. */

import { isJsonObject } from "../internal/json.js";
import { OAuth2RequestError, UnexpectedErrorResponseBodyError, UnexpectedResponseError } from "./errors.js";
import { redactData } from "./redaction.js";
import { OAuth2Tokens } from "./tokens.js";
import type { ReceivedResponse } from "./transport.js";

/** The token endpoint (RFC 6749 §5.1, §5.2), for code exchange and refresh alike; Atlassian's 403 `invalid_grant` included. */
export function processTokenResponse(response: ReceivedResponse): OAuth2Tokens {
	if (response.status === 200) {
		if (response.json === undefined) {
			throw new UnexpectedResponseError(200);
		}
		if (isJsonObject(response.json) && typeof response.json.access_token === "string") {
			return new OAuth2Tokens(response.json, response.receivedAt);
		}
		throw new UnexpectedErrorResponseBodyError(200, redactData(response.json, response.secrets));
	}
	throw oauth2ErrorResponse(response);
}

/** The revocation endpoint (RFC 7009 §2.2): 200 is success whatever the body. */
export function processRevocationResponse(response: ReceivedResponse): void {
	if (response.status !== 200) {
		throw oauth2ErrorResponse(response);
	}
}

/** The error for any non-200 response of an OAuth endpoint: an RFC 6749 §5.2 body, or why it is not one. */
function oauth2ErrorResponse(response: ReceivedResponse): Error {
	const { status, json, secrets } = response;
	if (status < 400 || status > 599 || json === undefined) {
		return new UnexpectedResponseError(status);
	}
	if (
		isJsonObject(json) &&
		typeof json.error === "string" &&
		json.error !== "" &&
		isOptionalString(json.error_description) &&
		isOptionalString(json.error_uri) &&
		isOptionalString(json.state)
	) {
		const redacted = redactData(json, secrets) as Record<string, string | undefined>;
		return new OAuth2RequestError(
			redacted.error as string,
			redacted.error_description ?? null,
			redacted.error_uri ?? null,
			redacted.state ?? null,
			status,
		);
	}
	return new UnexpectedErrorResponseBodyError(status, redactData(json, secrets));
}

function isOptionalString(value: unknown): boolean {
	return value === undefined || typeof value === "string";
}
