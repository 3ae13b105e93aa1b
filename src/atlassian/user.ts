import { isJsonObject } from "../internal/json.js";
import type { RequestOptions } from "../oauth2/transport.js";
import type { AtlassianConfiguration } from "./configuration.js";
import { getResource, hasStrings } from "./resource-request.js";

/** The signed-in user, from `GET {apiGateway}/me` (needs the `read:me` scope). */
export interface AtlassianUser {
	account_id: string;
	/** `"atlassian"` for people; `"app"` and `"customer"` exist too. */
	account_type: string;
	/** Can be hidden by the user's profile-visibility settings; then absent or empty. */
	email?: string;
	name: string;
	picture: string;
	/** `"active"`, `"inactive"` or `"closed"`. */
	account_status: string;
	nickname?: string;
	zoneinfo?: string;
	locale?: string;
	extended_profile?: {
		job_title?: string;
		organization?: string;
		department?: string;
		location?: string;
		[key: string]: unknown;
	};
	[key: string]: unknown;
}

const REQUIRED = ["account_id", "account_type", "name", "picture", "account_status"] as const;
const OPTIONAL = ["email", "nickname", "zoneinfo", "locale"] as const;

function isAtlassianUser(data: unknown): data is AtlassianUser {
	return (
		isJsonObject(data) &&
		hasStrings(data, REQUIRED, OPTIONAL) &&
		(data.extended_profile === undefined || isJsonObject(data.extended_profile))
	);
}

export function fetchUser(configuration: AtlassianConfiguration, accessToken: string, options?: RequestOptions): Promise<AtlassianUser> {
	return getResource(`${configuration.apiGateway}/me`, accessToken, configuration, options, isAtlassianUser);
}
