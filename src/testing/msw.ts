// `atlassian-3lo/testing/msw`: the emulator as msw handlers. An entry point of its own, so that
// `atlassian-3lo/testing` (the loopback emulator) imports without msw installed.
export { type AtlassianHandlersOptions, createAtlassianHandlers } from "./msw-handlers.js";
