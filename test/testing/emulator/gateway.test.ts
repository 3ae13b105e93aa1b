import { describe, expect, it } from "vitest";
import { DEFAULT_SITE } from "../../../src/testing/index.js";
import { emulatorRooms } from "../../support/emulator-rooms.js";

describe("EmulatedGateway", () => {
	const call = async (method: string, path: string, scopes = ["read:jira-work"], cloudId = DEFAULT_SITE.id) => {
		const rooms = emulatorRooms();
		const { access_token } = await rooms.signIn(scopes);
		const url = new URL(`https://api.example/ex/jira/${cloudId}${path}`);
		const request = new Request(url, { method, headers: { Authorization: `Bearer ${access_token}` } });
		return { rooms, response: await rooms.gateway.handle(request, "jira", cloudId, path, url) };
	};

	it("answers a route the token's scopes admit", async () => {
		const { response } = await call("GET", "/rest/api/3/project/search");
		expect(response.status).toBe(200);
	});

	it("404 for a site the grant does not reach or a path it does not implement, 405 for a wrong method, 401 for a missing scope", async () => {
		expect(
			(await call("GET", "/rest/api/3/project/search", ["read:jira-work"], "99999999-2222-3333-4444-555555555555")).response.status,
		).toBe(404);
		expect((await call("GET", "/rest/api/3/nothing-here")).response.status).toBe(404);
		expect((await call("PATCH", "/rest/api/3/project/search")).response.status).toBe(405);
		const missing = (await call("GET", "/rest/api/3/myself")).response; // needs read:jira-user
		expect(missing.status).toBe(401);
		expect(missing.headers.get("x-failure-category")).toBe("FAILURE_CLIENT_SCOPE_CHECK");
	});

	it("counts every authenticated request against the rate limit and adds its headers", async () => {
		const rooms = emulatorRooms();
		rooms.rateLimiter.set({ limit: 1, windowSeconds: 60 });
		const { access_token } = await rooms.signIn(["read:jira-work"]);
		const path = "/rest/api/3/project/search";
		const url = new URL(`https://api.example/ex/jira/${DEFAULT_SITE.id}${path}`);
		const send = () =>
			rooms.gateway.handle(new Request(url, { headers: { Authorization: `Bearer ${access_token}` } }), "jira", DEFAULT_SITE.id, path, url);
		expect((await send()).headers.get("x-ratelimit-limit")).toBe("1");
		expect((await send()).status).toBe(429);
	});
});
