import { describe, expect, it } from "vitest";
import { createGatewayURL } from "../../../src/index.js";
import { AtlassianEmulator, DEFAULT_SITE } from "../../../src/testing/index.js";
import { emulatorAccessToken } from "../../support/emulator-access-token.js";

// The edges of the emulator's product routes, answered as Jira answers them.
describe("the emulator's gateway routes", () => {
	async function signedIn() {
		const emulator = new AtlassianEmulator();
		const access_token = await emulatorAccessToken(emulator, ["read:jira-work", "write:jira-work"]);
		const call = (path: string, init: RequestInit = {}, query?: Record<string, string>) =>
			emulator.handle(
				new Request(createGatewayURL("https://api.atlassian.com", "jira", DEFAULT_SITE.id, path, query), {
					...init,
					headers: { Authorization: `Bearer ${access_token}`, "Content-Type": "application/json" },
				}),
			);
		return { emulator, call };
	}

	it("refuses an invalid nextPageToken with Jira's 400", async () => {
		const { call } = await signedIn();
		const response = await call("rest/api/3/search/jql", {}, { nextPageToken: btoa("page:-3") });
		expect(response.status).toBe(400);
		expect(await response.json()).toMatchObject({ errorMessages: ["The provided next page token is invalid or expired."] });
	});

	it("answers 404 for updating or deleting an issue that does not exist, and 400 for a body that is not JSON", async () => {
		const { call } = await signedIn();
		expect((await call("rest/api/3/issue/NOPE-1", { method: "PUT", body: "{}" })).status).toBe(404);
		expect((await call("rest/api/3/issue/NOPE-1", { method: "DELETE" })).status).toBe(404);
		expect((await call("rest/api/3/issue/NOPE-1")).status).toBe(404);
		expect((await call("rest/api/3/issue", { method: "POST", body: "not json" })).status).toBe(400);
	});

	it("answers 405 for a known path with another method, and 404 for a path it does not implement", async () => {
		const { call } = await signedIn();
		expect((await call("rest/api/3/myself", { method: "DELETE" })).status).toBe(405);
		expect((await call("rest/api/3/dashboard")).status).toBe(404);
	});

	it("finds an issue by id or by key in any case", async () => {
		const { call } = await signedIn();
		expect(await (await call("rest/api/3/issue/10001")).json()).toMatchObject({ key: "ENG-1" });
		expect(await (await call("rest/api/3/issue/eng-2")).json()).toMatchObject({ key: "ENG-2" });
	});

	it("filters /search/jql by project, including project in (…)", async () => {
		const { call } = await signedIn();
		const keys = async (jql: string) =>
			((await (await call("rest/api/3/search/jql", {}, { jql })).json()) as { issues: { key: string }[] }).issues.map((issue) => issue.key);
		expect(await keys("project = OPS")).toEqual(["OPS-1", "OPS-2"]);
		expect(await keys('project in ("OPS", MKT)')).toEqual(["OPS-1", "OPS-2"]);
		expect(await keys("assignee = currentUser()")).toHaveLength(7);
	});
});
