import { isJsonObject } from "../internal/json.js";
import type { RequestOptions } from "../oauth2/transport.js";
import type { AtlassianConfiguration } from "./configuration.js";
import { getResource, hasStrings } from "./resource-request.js";

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

function isAccessibleResourceList(data: unknown): data is AccessibleResource[] {
	return (
		Array.isArray(data) &&
		data.every(
			(site) =>
				isJsonObject(site) &&
				hasStrings(site, ["id", "name", "url", "avatarUrl"]) &&
				Array.isArray(site.scopes) &&
				site.scopes.every((scope) => typeof scope === "string"),
		)
	);
}

export function fetchAccessibleResources(
	configuration: AtlassianConfiguration,
	accessToken: string,
	options?: RequestOptions,
): Promise<AccessibleResource[]> {
	return getResource(
		`${configuration.apiGateway}/oauth/token/accessible-resources`,
		accessToken,
		configuration,
		options,
		isAccessibleResourceList,
	);
}
