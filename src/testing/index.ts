export { AtlassianEmulator, type AtlassianEmulatorOptions, type EmulatedRateLimit, type EmulatorFault } from "./atlassian-emulator.js";
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
export { type TestFramework, type TokenStoreConformanceFixture, testTokenStoreConformance } from "./token-store-conformance.js";
