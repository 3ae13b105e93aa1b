import { isOwnError } from "../internal/error-brand.js";
import { redactCause, secretEncodings } from "../oauth2/redaction.js";

/**
 * What `TokenManager` throws or hands to a hook in place of a failure it did not build itself — a store's
 * (an ioredis `ReplyError` keeps the command's arguments, the new tokens among them), or a refresher's of your
 * own: a sanitized copy (name, message, `code`, stack, cause), with `tokens` redacted from each. This package's
 * errors (from either copy, when it is loaded twice) pass as they are: they are built without a token, with causes
 * already sanitized. Values under 8 characters are test placeholders, not redacted.
 */
export function withoutTokens(error: unknown, tokens: readonly (string | null | undefined)[] = []): unknown {
	if (isOwnError(error)) {
		return error;
	}
	const secrets = tokens.flatMap((value) => (typeof value === "string" && value.length >= 8 ? secretEncodings(value) : []));
	return redactCause(error, secrets);
}
