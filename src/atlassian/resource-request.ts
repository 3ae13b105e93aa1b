import { UnexpectedErrorResponseBodyError, UnexpectedResponseError } from "../oauth2/errors.js";
import { redactData } from "../oauth2/redaction.js";
import { type ReceivedResponse, type RequestOptions, send } from "../oauth2/transport.js";
import { atlassianAPIError } from "./api-error.js";
import { type AtlassianConfiguration, isGatewayURL } from "./configuration.js";

/**
 * GET a JSON resource of the gateway with a bearer token, through the client's one transport. With
 * `isValid`, a body of the wrong shape is an `UnexpectedErrorResponseBodyError`, not a lie in the type.
 * A URL off the gateway is refused before anything is sent: the token must not leak.
 */
export async function getResource<T = unknown>(
	url: string | URL,
	accessToken: string,
	configuration: AtlassianConfiguration,
	options?: RequestOptions,
	isValid?: (data: unknown) => data is T,
): Promise<T> {
	const target = gatewayURL(url, configuration.apiGateway);
	const response = await send(
		{
			url: target.href,
			method: "GET",
			headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/json" },
			credentials: [accessToken],
		},
		configuration.transport,
		options,
	);
	const data = processGatewayResponse(response);
	if (isValid && !isValid(data)) {
		throw new UnexpectedErrorResponseBodyError(response.status, redactData(data, response.secrets));
	}
	return data as T;
}

/** `url` parsed, if it is on the gateway; a `TypeError` otherwise. */
export function gatewayURL(url: string | URL | Request, apiGateway: string): URL {
	const parsed = new URL(typeof url === "object" && "url" in url ? url.url : String(url));
	if (!isGatewayURL(parsed, apiGateway)) {
		throw new TypeError(
			`Refusing to send an Atlassian access token to ${parsed.origin}: only URLs under ${apiGateway}/ are allowed (build them with createGatewayURL)`,
		);
	}
	return parsed;
}

/** Classifies an answer of the API gateway: 2xx JSON is the data, 204 is `null`, 4xx/5xx an `AtlassianAPIError`. */
export function processGatewayResponse(response: Pick<ReceivedResponse, "status" | "headers" | "json" | "secrets">): unknown {
	const { status, json, headers, secrets } = response;
	if (status === 204) {
		return null;
	}
	if (status >= 200 && status < 300 && json !== undefined) {
		return json;
	}
	if (status >= 400 && status <= 599) {
		throw atlassianAPIError(status, json === undefined ? null : redactData(json, secrets), headers);
	}
	throw new UnexpectedResponseError(status);
}

/** True when every named field is a string (or absent, for the optional ones). */
export function hasStrings(value: Record<string, unknown>, required: readonly string[], optional: readonly string[] = []): boolean {
	return (
		required.every((key) => typeof value[key] === "string") &&
		optional.every((key) => value[key] === undefined || typeof value[key] === "string")
	);
}
