import { OAuth2RequestError } from "./errors.js";

/**
 * True when only a new sign-in can fix the failure:
 * - `invalid_grant` from the token endpoint — the refresh token is dead (rotated away and reused,
 *   unused for 90 days, older than 365 days, or revoked by a password change or an admin);
 * - `access_denied` from the callback (status `null`) — the user clicked Decline.
 *
 * False for everything worth retrying or fixing elsewhere: network faults and timeouts (`ArcticFetchError`),
 * 5xx and non-OAuth responses, and a wrong client id or secret (Atlassian's 401 `access_denied` /
 * `unauthorized_client` / `invalid_client` from the token endpoint), which is a deployment bug, not the user's.
 */
export function isReauthorizationRequired(error: unknown): boolean {
	if (!(error instanceof OAuth2RequestError)) {
		return false;
	}
	if (error.code === "invalid_grant") {
		return error.status === null || error.status < 500;
	}
	return error.code === "access_denied" && error.status === null;
}

/**
 * True only when the user clicked Decline on Atlassian's consent page: the callback's `access_denied`
 * (status `null`). False for a spent, replayed or invalid code — the token endpoint's 403 `invalid_grant`
 * after a double submit or the browser's back button — which says "this sign-in link was already used",
 * not "you declined".
 */
export function isConsentDeclined(error: unknown): boolean {
	return error instanceof OAuth2RequestError && error.code === "access_denied" && error.status === null;
}
