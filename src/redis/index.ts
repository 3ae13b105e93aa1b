export { CorruptTokenRecordError, RedisTokenStore, type RedisTokenStoreOptions } from "./redis-token-store.js";
