import { describe, expect, it } from "vitest";
import { Atlassian } from "../../src/index.js";
import { AtlassianEmulator, DEFAULT_CLIENT } from "../../src/testing/index.js";
import { rejection } from "../support/rejection.js";

const REDIRECT_URI = DEFAULT_CLIENT.redirectURIs[0] as string;

function client(emulator: AtlassianEmulator) {
	return new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, REDIRECT_URI, {
		hosts: { authorizationServer: "https://emulator.test", apiGateway: "https://emulator.test" },
		fetch: (input, init) => emulator.handle(new Request(input, init)),
	});
}

describe("AtlassianEmulator refresh-token rules", () => {
	it("strict mode (refreshTokenReuseIntervalSeconds: 0) revokes the grant on any reuse, even at once", async () => {
		const emulator = new AtlassianEmulator({ refreshTokenReuseIntervalSeconds: 0 });
		const atlassian = client(emulator);
		const code = emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ["read:me", "offline_access"] });
		const tokens = await atlassian.validateAuthorizationCode(code);
		const refreshed = await atlassian.refreshAccessToken(tokens.refreshToken());
		expect(await rejection(atlassian.refreshAccessToken(tokens.refreshToken()))).toMatchObject({ code: "invalid_grant", status: 403 });
		expect(emulator.isRefreshTokenCurrent(refreshed.refreshToken())).toBe(false);
		expect(emulator.refreshStats).toEqual({ rotations: 1, reuses: 0, revocations: 1 });
	});

	it("the 365-day limit is configurable", async () => {
		const emulator = new AtlassianEmulator({ refreshTokenMaxLifetimeSeconds: 60 });
		const atlassian = client(emulator);
		const code = emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ["read:me", "offline_access"] });
		const tokens = await atlassian.validateAuthorizationCode(code);
		emulator.advanceTime(61_000);
		expect(await rejection(atlassian.refreshAccessToken(tokens.refreshToken()))).toMatchObject({ code: "invalid_grant" });
	});
});
