export { CorruptTokenRecordError } from "../tokens/errors.js";
export { type PgListenerClient, type PgListenerPool, type PostgresListener, pgListener } from "./pg-listener.js";
export { type PostgresClient, PostgresTokenStore, type PostgresTokenStoreOptions } from "./postgres-token-store.js";
export { DEFAULT_TOKEN_TABLE, tokenTableSQL } from "./schema.js";
