import * as errors from "../tokens/errors.js";

export { type PgListenerClient, type PgListenerPool, type PostgresListener, pgListener } from "./pg-listener.js";
export {
	DEFAULT_RATE_LIMIT_TABLE,
	PostgresRateLimitStore,
	type PostgresRateLimitStoreOptions,
} from "./postgres-rate-limit-store.js";
export { type PostgresClient, PostgresTokenStore, type PostgresTokenStoreOptions } from "./postgres-token-store.js";
export { DEFAULT_TOKEN_TABLE, tokenTableSQL } from "./schema.js";

/** @deprecated Import it from `atlassian-3lo` (each class has one entry); this re-export goes in 0.3. */
export const CorruptTokenRecordError = errors.CorruptTokenRecordError;
/** @deprecated Import it from `atlassian-3lo`. */
export type CorruptTokenRecordError = errors.CorruptTokenRecordError;
