import { constantTimeEqual } from "../internal/constant-time.js";
import { brandError } from "../internal/error-brand.js";
import { OAuth2RequestError } from "./errors.js";

export type AuthorizationCallbackFailure =
	| "missing_stored_state"
	| "ambiguous_stored_state"
	| "missing_state"
	| "state_mismatch"
	| "missing_code";

/** The callback is not a valid answer to *our* authorization request: possible CSRF, an expired state cookie, or a broken redirect. */
export class AuthorizationCallbackError extends Error {
	public reason: AuthorizationCallbackFailure;

	constructor(reason: AuthorizationCallbackFailure) {
		super(
			{
				missing_stored_state: "No stored state for this callback (the state cookie expired or was never set): start the sign-in again",
				ambiguous_stored_state:
					"The request carries the state cookie more than once, so one of them was planted (cookie tossing): refuse it and start the sign-in again",
				missing_state: "The callback has no state parameter: refuse it and start the sign-in again",
				state_mismatch: "The callback's state does not match the stored state (possible CSRF): refuse it and start the sign-in again",
				missing_code: "The callback has neither a code nor an error: start the sign-in again",
			}[reason],
		);
		this.name = "AuthorizationCallbackError";
		this.reason = reason;
	}
}
brandError(AuthorizationCallbackError, "AuthorizationCallbackError");

/**
 * Checks an authorization callback (RFC 6749 §4.1.2) and returns its code.
 *
 * The state is verified first, in constant time, and only then is an `error` parameter believed: a
 * forged redirect carrying `error=` without our state must not pass for the provider's answer.
 * A user who clicked Decline comes back as an `OAuth2RequestError` with code `access_denied` and status `null`.
 */
export function validateAuthorizationCallback(callback: URL | URLSearchParams | string, storedState: string | null | undefined): string {
	const params = callbackParameters(callback);
	if (!storedState) {
		throw new AuthorizationCallbackError("missing_stored_state");
	}
	const state = params.get("state");
	if (state === null) {
		throw new AuthorizationCallbackError("missing_state");
	}
	if (!statesMatch(state, storedState)) {
		throw new AuthorizationCallbackError("state_mismatch");
	}
	const error = params.get("error");
	if (error !== null) {
		throw new OAuth2RequestError(error, params.get("error_description"), params.get("error_uri"), state, null);
	}
	const code = params.get("code");
	if (!code) {
		throw new AuthorizationCallbackError("missing_code");
	}
	return code;
}

function callbackParameters(callback: URL | URLSearchParams | string): URLSearchParams {
	if (callback instanceof URLSearchParams) {
		return callback;
	}
	if (callback instanceof URL) {
		return callback.searchParams;
	}
	// An absolute URL, or a bare query string such as "?code=…&state=…".
	return /^[a-z][a-z0-9+.-]*:/i.test(callback) ? new URL(callback).searchParams : new URLSearchParams(callback);
}

function statesMatch(received: string, stored: string): boolean {
	const encoder = new TextEncoder();
	const a = encoder.encode(received);
	const b = encoder.encode(stored);
	// Length is not secret (states have a fixed length); the content comparison is constant-time.
	return a.byteLength === b.byteLength && constantTimeEqual(a, b);
}
