import * as errors from "../tokens/errors.js";

export { RedisRateLimitStore, type RedisRateLimitStoreOptions } from "./redis-rate-limit-store.js";
export { RedisTokenStore, type RedisTokenStoreOptions } from "./redis-token-store.js";

/** @deprecated Import it from `atlassian-3lo` (each class has one entry); this re-export goes in 0.3. */
export const CorruptTokenRecordError = errors.CorruptTokenRecordError;
/** @deprecated Import it from `atlassian-3lo`. */
export type CorruptTokenRecordError = errors.CorruptTokenRecordError;
