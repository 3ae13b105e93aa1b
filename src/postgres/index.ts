export { CorruptTokenRecordError } from "../tokens/errors.js";
export {
	DEFAULT_TOKEN_TABLE,
	type PgListenerClient,
	type PgListenerPool,
	type PostgresClient,
	type PostgresListener,
	PostgresTokenStore,
	type PostgresTokenStoreOptions,
	pgListener,
	tokenTableSQL,
} from "./postgres-token-store.js";
