import * as storeKit from "../store/token-store-conformance.js";

export {
	AtlassianEmulator,
	type AtlassianEmulatorOptions,
	type EmulatedAtlassianLimits,
	type EmulatedRateLimit,
	type EmulatorFault,
} from "./atlassian-emulator.js";
export { type RunningAtlassianEmulator, startAtlassianEmulator } from "./emulator-server.js";
export type {
	EmulatedClient,
	EmulatedIssue,
	EmulatedPage,
	EmulatedProject,
	EmulatedSite,
	EmulatedSpace,
	EmulatedUser,
} from "./fixtures.js";
export { DEFAULT_CLIENT, DEFAULT_SITE, DEFAULT_USER } from "./fixtures.js";
export { type LoopbackServer, type LoopbackServerOptions, startLoopbackServer, type WebHandler } from "./loopback-server.js";

/** @deprecated Import it from `atlassian-3lo/store`; this re-export goes in 0.3. */
export const testTokenStoreConformance = storeKit.testTokenStoreConformance;
/** @deprecated Import it from `atlassian-3lo/store`; this re-export goes in 0.3. */
export type TokenStoreConformanceFixture = storeKit.TokenStoreConformanceFixture;
/** @deprecated Import it from `atlassian-3lo/store`; this re-export goes in 0.3. */
export type TestFramework = storeKit.TestFramework;
