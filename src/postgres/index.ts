export { CorruptTokenRecordError } from "../tokens/errors.js";
export {
	DEFAULT_TOKEN_TABLE,
	type PostgresClient,
	PostgresTokenStore,
	type PostgresTokenStoreOptions,
	tokenTableSQL,
} from "./postgres-token-store.js";
