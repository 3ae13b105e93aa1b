import type { RequestOptions, TransportOptions } from "../oauth2/transport.js";
import { getResource, hasStrings, invalidShape, isObject } from "./resource-request.js";

/** A site the grant reaches, from `GET {apiGateway}/oauth/token/accessible-resources`. */
export interface AccessibleResource {
	/** The site's cloud id: the `{cloudId}` of gateway URLs. */
	id: string;
	name: string;
	/** The site's own URL, e.g. `https://your-domain.atlassian.net` — not usable with a 3LO token. */
	url: string;
	/** The scopes granted on this site. */
	scopes: string[];
	avatarUrl: string;
}

export async function fetchAccessibleResources(
	apiGateway: string,
	accessToken: string,
	transport: TransportOptions,
	options?: RequestOptions,
): Promise<AccessibleResource[]> {
	const data = await getResource(`${apiGateway}/oauth/token/accessible-resources`, accessToken, transport, options);
	if (
		Array.isArray(data) &&
		data.every(
			(site) =>
				isObject(site) &&
				hasStrings(site, ["id", "name", "url", "avatarUrl"]) &&
				Array.isArray(site.scopes) &&
				site.scopes.every((scope) => typeof scope === "string"),
		)
	) {
		return data as AccessibleResource[];
	}
	throw invalidShape(data, [accessToken]);
}
