import { setupServer } from "msw/node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Atlassian } from "../../src/index.js";
import { AtlassianEmulator, DEFAULT_CLIENT, DEFAULT_SITE } from "../../src/testing/index.js";
import { createAtlassianHandlers } from "../../src/testing/msw.js";
import { emulatorScenarios, REDIRECT_URI } from "./emulator-scenarios.js";

const server = setupServer();
let emulator: AtlassianEmulator;

beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
beforeEach(() => {
	emulator = new AtlassianEmulator();
	server.resetHandlers(...createAtlassianHandlers(emulator));
});
afterAll(() => server.close());

describe("Atlassian emulator through msw, on Atlassian's real hosts", () => {
	emulatorScenarios(() => ({
		emulator,
		atlassian: (options = {}) =>
			new Atlassian(
				DEFAULT_CLIENT.clientId,
				options.clientSecret ?? DEFAULT_CLIENT.clientSecret,
				options.redirectURI ?? REDIRECT_URI,
				options,
			),
	}));

	it("refuses bearer tokens on the site's own host: 3LO tokens only work through the gateway", async () => {
		const response = await fetch(`${DEFAULT_SITE.url}/rest/api/3/myself`, { headers: { Authorization: "Bearer anything" } });
		expect(response.status).toBe(401);
	});

	it("records the requests it served", async () => {
		await fetch("https://api.atlassian.com/me");
		expect(emulator.requests).toEqual([{ method: "GET", path: "/me", at: expect.any(Number) }]);
	});
});
