import type { Transport } from "../oauth2/transport.js";

/** What every request of one `Atlassian` client reads: where its API gateway is, and its one transport. */
export interface AtlassianConfiguration {
	/** Origin (and path prefix, for an emulator mounted under one) of the API gateway, without a trailing slash. */
	readonly apiGateway: string;
	readonly transport: Transport;
}

// Kept off the instance, so that neither the client secret's encodings nor the fetch show in `console.log(atlassian)`.
const configurations = new WeakMap<object, AtlassianConfiguration>();

export function setConfiguration(client: object, configuration: AtlassianConfiguration): void {
	configurations.set(client, configuration);
}

export function getConfiguration(client: object): AtlassianConfiguration {
	const configuration = configurations.get(client);
	if (configuration === undefined) {
		throw new TypeError("Expected an Atlassian client (new Atlassian(…)) as the first argument");
	}
	return configuration;
}

/**
 * True when `url` is on the API gateway: same scheme, host and port, under its path prefix, with no user
 * info. 3LO tokens are accepted only there, and must never be sent anywhere else.
 */
export function isGatewayURL(url: URL, apiGateway: string): boolean {
	return url.href.startsWith(`${apiGateway}/`);
}
