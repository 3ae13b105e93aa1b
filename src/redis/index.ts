// CorruptTokenRecordError is the main entry's; re-exported here, where it was first defined.
export { CorruptTokenRecordError } from "../tokens/errors.js";
export { RedisTokenStore, type RedisTokenStoreOptions } from "./redis-token-store.js";
