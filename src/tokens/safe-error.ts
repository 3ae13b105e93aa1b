import { ArcticFetchError, OAuth2RequestError, UnexpectedErrorResponseBodyError, UnexpectedResponseError } from "../oauth2/errors.js";
import { redactCause, secretEncodings } from "../oauth2/redaction.js";
import { TokenDecryptionError } from "./encrypted-token-store.js";
import {
	CorruptTokenRecordError,
	RefreshOutcomeUnknownError,
	TokenLockTimeoutError,
	TokenNotFoundError,
	TokenStoreTimeoutError,
	TokenWriteNotDurableError,
} from "./errors.js";

/** This package's errors: built without a token in them, and with causes already sanitized. */
const OWN_ERRORS = [
	ArcticFetchError,
	OAuth2RequestError,
	UnexpectedResponseError,
	UnexpectedErrorResponseBodyError,
	TokenNotFoundError,
	TokenLockTimeoutError,
	TokenStoreTimeoutError,
	RefreshOutcomeUnknownError,
	TokenWriteNotDurableError,
	CorruptTokenRecordError,
	TokenDecryptionError,
];

/**
 * What `TokenManager` throws or hands to a hook in place of a failure it did not build itself — a store's
 * (an ioredis `ReplyError` keeps the command's arguments, the new tokens among them), or a refresher's of your
 * own: a sanitized copy (name, message, `code`, stack, cause), with `tokens` redacted from each. Its own
 * errors pass as they are. Values under 8 characters are test placeholders, not redacted.
 */
export function withoutTokens(error: unknown, tokens: readonly (string | null | undefined)[] = []): unknown {
	if (OWN_ERRORS.some((own) => error instanceof own)) {
		return error;
	}
	const secrets = tokens.flatMap((value) => (typeof value === "string" && value.length >= 8 ? secretEncodings(value) : []));
	return redactCause(error, secrets);
}
