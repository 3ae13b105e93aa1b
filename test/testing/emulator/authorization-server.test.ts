import { describe, expect, it } from "vitest";
import { emulatorRooms } from "../../support/emulator-rooms.js";

describe("EmulatedAuthorizationServer", () => {
	it("exchanges a code once, for tokens its other rooms authenticate", async () => {
		const { authorizationServer, signIn, bearer } = emulatorRooms();
		const tokens = await signIn(["read:me", "offline_access"]);
		expect(tokens).toMatchObject({ expires_in: 3600, scope: "read:me offline_access" });
		expect(authorizationServer.authenticate(bearer(tokens.access_token))).toMatchObject({ scopes: ["read:me", "offline_access"] });
		expect(authorizationServer.isRefreshTokenCurrent(tokens.refresh_token as string)).toBe(true);
		expect((authorizationServer.authenticate(bearer("forged")) as Response).status).toBe(401);
	});

	it("rotates refresh tokens, lets the previous one go once more inside the reuse interval, and revokes the grant on any other reuse", async () => {
		const { authorizationServer, signIn, tokenRequest, clock } = emulatorRooms();
		const first = await signIn(["offline_access"]);
		const refresh = (token: string) => tokenRequest({ grant_type: "refresh_token", refresh_token: token });
		const second = await (await refresh(first.refresh_token as string)).json();
		expect(authorizationServer.isRefreshTokenCurrent(second.refresh_token)).toBe(true);
		expect((await refresh(first.refresh_token as string)).status).toBe(200); // the reuse interval
		expect(authorizationServer.refreshStats).toMatchObject({ rotations: 1, reuses: 1 });
		clock.advance(11 * 60_000);
		const reused = await refresh(first.refresh_token as string);
		expect(reused.status).toBe(403);
		expect(await reused.json()).toEqual({ error: "invalid_grant", error_description: "Unknown or invalid refresh token." });
		expect(authorizationServer.refreshStats.revocations).toBe(1);
	});

	it("refuses a wrong client secret with 401 access_denied, and an unknown grant type", async () => {
		const { tokenRequest } = emulatorRooms();
		expect((await tokenRequest({ client_secret: "wrong", grant_type: "refresh_token", refresh_token: "x" })).status).toBe(401);
		expect(await (await tokenRequest({ grant_type: "password" })).json()).toMatchObject({ error: "unsupported_grant_type" });
	});

	it("revokeAllTokens() ends every grant", async () => {
		const { authorizationServer, signIn, bearer } = emulatorRooms();
		const tokens = await signIn(["read:me", "offline_access"]);
		authorizationServer.revokeAllTokens();
		expect(authorizationServer.isRefreshTokenCurrent(tokens.refresh_token as string)).toBe(false);
		expect((authorizationServer.authenticate(bearer(tokens.access_token)) as Response).status).toBe(401);
	});

	it("revokeGrant() ends the one grant a refresh token belongs to, and leaves the others", async () => {
		const { authorizationServer, signIn } = emulatorRooms();
		const first = await signIn(["read:me", "offline_access"]);
		const second = await signIn(["read:me", "offline_access"]);
		expect(authorizationServer.revokeGrant(first.refresh_token as string)).toBe(true);
		expect(authorizationServer.isRefreshTokenCurrent(first.refresh_token as string)).toBe(false);
		expect(authorizationServer.isRefreshTokenCurrent(second.refresh_token as string)).toBe(true);
		expect(authorizationServer.revokeGrant("not-issued-here")).toBe(false);
	});
});
