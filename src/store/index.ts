// `atlassian-3lo/store`: for authors of a TokenStore — the contract's types, the key rule, and the conformance
// kit that proves a store keeps it. The errors a store throws (CorruptTokenRecordError, TokenWriteNotDurableError)
// are the main entry's, which callers catch.
export { checkTokenKey } from "../tokens/token-key.js";
export {
	connectionStatus,
	type IdleKey,
	mayKeepAlive,
	type StoredConnection,
	type StoredTokenSet,
	type TokenStore,
	type TokenStoreCallOptions,
	type TokenStoreLease,
} from "../tokens/token-store.js";
export { type TestFramework, type TokenStoreConformanceFixture, testTokenStoreConformance } from "./token-store-conformance.js";
