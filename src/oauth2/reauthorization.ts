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
	return classifyRefreshFailure(error) === "reauthorization_required";
}

/**
 * What a failure says about the refresh token that was sent — the one reading of a failed refresh, shared by
 * `isReauthorizationRequired` and `TokenManager`:
 * - `reauthorization_required`: only a new sign-in can fix it (see `isReauthorizationRequired`);
 * - `refused`: the token endpoint answered with another OAuth 2.0 error below 500 (a wrong client secret, say),
 *   so nothing rotated;
 * - `unknown`: no answer, a 5xx, or a response that is not OAuth 2.0, so Atlassian may have rotated the token.
 */
export function classifyRefreshFailure(error: unknown): "reauthorization_required" | "refused" | "unknown" {
	if (!(error instanceof OAuth2RequestError)) {
		return "unknown";
	}
	const { code, status } = error;
	if ((code === "invalid_grant" && (status === null || status < 500)) || (code === "access_denied" && status === null)) {
		return "reauthorization_required";
	}
	return status !== null && status < 500 ? "refused" : "unknown";
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
