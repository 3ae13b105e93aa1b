import { describe, expect, it } from "vitest";
import { DEFAULT_SITE } from "../../../src/testing/index.js";
import { emulatorRooms } from "../../support/emulator-rooms.js";

describe("EmulatedIdentity", () => {
	it("/me needs read:me: without it, the gateway's scope-mismatch 401 with its failure category", async () => {
		const { identity, signIn, bearer } = emulatorRooms();
		const withScope = await signIn(["read:me"]);
		expect(await identity.me(bearer(withScope.access_token)).json()).toMatchObject({ account_id: expect.any(String) });
		const without = await signIn(["read:jira-work"]);
		const refused = identity.me(bearer(without.access_token));
		expect(refused.status).toBe(401);
		expect(refused.headers.get("x-failure-category")).toBe("FAILURE_CLIENT_SCOPE_CHECK");
	});

	it("accessible resources list the sites the grant reaches, narrowed to the one chosen at consent", async () => {
		const other = { ...structuredClone(DEFAULT_SITE), id: "99999999-2222-3333-4444-555555555555", name: "other" };
		const { identity, signIn, bearer } = emulatorRooms({ sites: [structuredClone(DEFAULT_SITE), other] });
		const everywhere = await signIn(["read:jira-work"]);
		expect((await identity.accessibleResources(bearer(everywhere.access_token)).json()).map((site: { id: string }) => site.id)).toEqual([
			DEFAULT_SITE.id,
			other.id,
		]);
		const chosen = await signIn(["read:jira-work"], other.id);
		expect(await identity.accessibleResources(bearer(chosen.access_token)).json()).toEqual([
			expect.objectContaining({ id: other.id, scopes: ["read:jira-work"] }),
		]);
	});
});
