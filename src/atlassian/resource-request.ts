import { UnexpectedErrorResponseBodyError } from "../oauth2/errors.js";
import { type RequestOptions, redactData, send, type TransportOptions, toResource } from "../oauth2/transport.js";
import { AtlassianAPIError } from "./api-error.js";

/** GET a JSON resource with a bearer token, through the one transport, keeping the token out of errors. */
export async function getResource(
	url: string,
	accessToken: string,
	transport: TransportOptions,
	options?: RequestOptions,
): Promise<unknown> {
	const secrets = [accessToken];
	const response = await send(
		{ url, method: "GET", headers: { Authorization: `Bearer ${accessToken}`, Accept: "application/json" }, secrets },
		transport,
		options,
	);
	return toResource(response, secrets, (status, data) => new AtlassianAPIError(status, data));
}

/** A body of the wrong shape is an error, not a lie in the type. */
export function invalidShape(data: unknown, secrets: readonly string[]): UnexpectedErrorResponseBodyError {
	return new UnexpectedErrorResponseBodyError(200, redactData(data, secrets));
}

export function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** True when every named field is a string (or absent, for the optional ones). */
export function hasStrings(value: Record<string, unknown>, required: readonly string[], optional: readonly string[] = []): boolean {
	return (
		required.every((key) => typeof value[key] === "string") &&
		optional.every((key) => value[key] === undefined || typeof value[key] === "string")
	);
}
