// The main entry: only the public surface. Other entries: atlassian-3lo/node (Node glue), /store (for store
// authors), /redis, /postgres, /testing, /testing/msw.
import * as node from "./node/send-web-response.js";
import * as tokenKey from "./tokens/token-key.js";
import type * as storeContract from "./tokens/token-store.js";

// Atlassian platform: user, sites, gateway URLs, scopes, callback and login routes
export type { AccessibleResource } from "./atlassian/accessible-resources.js";
export { AtlassianAPIError, type AtlassianRateLimit, AtlassianScopeError } from "./atlassian/api-error.js";
export {
	type AccessTokenSource,
	type AtlassianFetchCredentials,
	type AtlassianFetchOptions,
	type AtlassianRetryOptions,
	createAtlassianFetch,
} from "./atlassian/api-fetch.js";
export type { AtlassianAuthorizationURLOptions, AtlassianCodeExchangeOptions, AtlassianOptions } from "./atlassian/atlassian.js";
export { Atlassian } from "./atlassian/atlassian.js";
export type { AtlassianCloud, AtlassianHostOverrides } from "./atlassian/cloud.js";
export { type AtlassianProduct, createGatewayURL } from "./atlassian/gateway.js";
export {
	clearLoginStateCookie,
	createLoginResponse,
	type LoginCallbackResult,
	type LoginRouteOptions,
	type LoginRouteProvider,
	validateLoginCallback,
} from "./atlassian/login-route.js";
export { MemoryRateLimitStore } from "./atlassian/memory-rate-limit-store.js";
export { AtlassianPaginationError, type AtlassianPaginationFailure, type PaginateOptions, paginate } from "./atlassian/paginate.js";
export {
	RateLimitBudget,
	type RateLimitBudgetOptions,
	type RateLimitBudgetStatus,
	type RateLimitDecision,
	type RateLimitProactiveLimit,
} from "./atlassian/rate-limit-budget.js";
export type { RateLimitedCall } from "./atlassian/rate-limit-scopes.js";
export type { RateLimitHold, RateLimitSlot, RateLimitStore } from "./atlassian/rate-limit-store.js";
export { type AtlassianScope, AtlassianScopes } from "./atlassian/scopes.js";
export { SiteNotAccessibleError, selectSite } from "./atlassian/select-site.js";
export type { AtlassianUser } from "./atlassian/user.js";
export { AuthorizationCallbackError, type AuthorizationCallbackFailure, validateAuthorizationCallback } from "./oauth2/callback.js";
export type { OAuth2ClientOptions } from "./oauth2/client.js";
export { OAuth2Client } from "./oauth2/client.js";
export { ArcticFetchError, OAuth2RequestError, UnexpectedErrorResponseBodyError, UnexpectedResponseError } from "./oauth2/errors.js";
export { CodeChallengeMethod, generateCodeVerifier } from "./oauth2/pkce.js";
export { isConsentDeclined, isReauthorizationRequired } from "./oauth2/reauthorization.js";
export { generateState } from "./oauth2/state.js";
export { OAuth2Tokens } from "./oauth2/tokens.js";
export type { FetchFunction, RequestOptions } from "./oauth2/transport.js";
export type { ConnectionInfo } from "./tokens/connection.js";
export type { ConnectionEvent } from "./tokens/connection-event.js";
// Token lifecycle for background jobs
export {
	type EncryptedTokenStore,
	type EncryptedTokenStoreOptions,
	encryptedTokenStore,
	type ResealReport,
	TokenDecryptionError,
	type TokenEncryptionKey,
} from "./tokens/encrypted-token-store.js";
export {
	ConnectionDisabledError,
	CorruptTokenRecordError,
	RefreshOutcomeUnknownError,
	TokenLeaseTimeoutError,
	TokenLockTimeoutError,
	TokenNotFoundError,
	TokenStoreTimeoutError,
	TokenWriteNotDurableError,
} from "./tokens/errors.js";
export { MemoryTokenStore } from "./tokens/memory-token-store.js";
export { TokenManager } from "./tokens/token-manager.js";
export type {
	ConnectionPage,
	DrainConnectionEventsOptions,
	KeepAliveOptions,
	KeepAliveReport,
	ListConnectionsOptions,
	RefreshOptions,
	TokenManagerOptions,
	TokenRefresher,
} from "./tokens/token-manager-options.js";
export type {
	ConnectionErrorKind,
	ConnectionEventType,
	ConnectionReason,
	ConnectionStatus,
	PendingConnectionEvent,
	StoredTokenSet,
	TokenStore,
} from "./tokens/token-store.js";

// Deprecated re-exports, kept for one minor version (they go in 0.3): Node glue and store-author tools have
// entries of their own.

/** @deprecated Import it from `atlassian-3lo/node`, which keeps Node glue out of the runtime-neutral main entry. */
export const sendWebResponse = node.sendWebResponse;
/** @deprecated Import it from `atlassian-3lo/node`. */
export type NodeServerResponse = node.NodeServerResponse;
/** @deprecated Import it from `atlassian-3lo/store`, the home of what store authors need. */
export const checkTokenKey = tokenKey.checkTokenKey;
/** @deprecated Import it from `atlassian-3lo/store`. */
export type IdleKey = storeContract.IdleKey;
/** @deprecated Import it from `atlassian-3lo/store`. */
export type TokenStoreCallOptions = storeContract.TokenStoreCallOptions;
/** @deprecated Import it from `atlassian-3lo/store`. */
export type TokenStoreLease = storeContract.TokenStoreLease;
