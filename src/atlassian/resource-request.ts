import { UnexpectedErrorResponseBodyError } from "../oauth2/errors.js";
import { redactData } from "../oauth2/redaction.js";
import { type RequestOptions, send, type TransportOptions, toResource } from "../oauth2/transport.js";
import { AtlassianAPIError } from "./api-error.js";

/** The transport of resource requests, with the client secret: neither it nor the access token may surface in an error. */
export interface ResourceTransport extends TransportOptions {
	secrets: readonly string[];
}

/**
 * GET a JSON resource with a bearer token, through the one transport. With `isValid`, a body of the
 * wrong shape is an `UnexpectedErrorResponseBodyError`, not a lie in the type.
 */
export async function getResource<T = unknown>(
	url: string,
	accessToken: string,
	transport: ResourceTransport,
	options?: RequestOptions,
	isValid?: (data: unknown) => data is T,
): Promise<T> {
	const secrets = [accessToken, ...transport.secrets];
	const response = await send(
		{ url, method: "GET", headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/json" }, secrets },
		transport,
		options,
	);
	const data = toResource(response, secrets, (status, body) => new AtlassianAPIError(status, body));
	if (isValid && !isValid(data)) {
		throw new UnexpectedErrorResponseBodyError(response.status, redactData(data, secrets));
	}
	return data as T;
}

/** True when every named field is a string (or absent, for the optional ones). */
export function hasStrings(value: Record<string, unknown>, required: readonly string[], optional: readonly string[] = []): boolean {
	return (
		required.every((key) => typeof value[key] === "string") &&
		optional.every((key) => value[key] === undefined || typeof value[key] === "string")
	);
}
