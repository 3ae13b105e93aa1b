import { describe, expect, it } from "vitest";
import { AtlassianEmulator, DEFAULT_SITE, DEFAULT_USER, type EmulatedAtlassianLimits } from "../../../src/testing/index.js";
import { emulatorAccessToken } from "../../support/emulator-access-token.js";

const SECOND_SITE = { ...structuredClone(DEFAULT_SITE), id: "2b6f1c3e-0000-4000-8000-000000000002", name: "globex" };

/** An emulator at the top of an hour, a user of two sites, and a gateway call as that user. */
async function limited(limits: EmulatedAtlassianLimits) {
	const user = { ...structuredClone(DEFAULT_USER), siteIds: [DEFAULT_SITE.id, SECOND_SITE.id] };
	const emulator = new AtlassianEmulator({
		now: () => Date.UTC(2026, 2, 2, 9, 0, 0),
		sites: [structuredClone(DEFAULT_SITE), SECOND_SITE],
		users: [user],
		atlassianRateLimits: limits,
		accessTokenLifetimeSeconds: 7_200, // outlives the quotas' hour
	});
	const access_token = await emulatorAccessToken(emulator, ["read:jira-work", "write:jira-work"]);
	const call = (path: string, init: { method?: string; site?: string; body?: unknown } = {}) =>
		emulator.handle(
			new Request(`https://api.atlassian.com/ex/jira/${init.site ?? DEFAULT_SITE.id}${path}`, {
				method: init.method ?? "GET",
				headers: { Authorization: `Bearer ${access_token}`, "Content-Type": "application/json" },
				body: init.body === undefined ? undefined : JSON.stringify(init.body),
			}),
		);
	return { emulator, call };
}

describe("the emulator's points quotas (Atlassian's hourly app and site quotas, scaled)", () => {
	it("a read costs 1 point plus 1 per issue returned; headers count down; near the limit it says so; then 429 until the hour ends", async () => {
		const { emulator, call } = await limited({ sitePointsPerHour: 20 });
		const first = await call("/rest/api/3/search/jql?jql=project%3DENG&maxResults=5");
		expect(first.status).toBe(200);
		expect(first.headers.get("x-ratelimit-limit")).toBe("20");
		expect(first.headers.get("x-ratelimit-remaining")).toBe("20"); // before this call was charged
		expect(first.headers.get("x-ratelimit-reset")).toBe("2026-03-02T10:00Z");
		expect(first.headers.get("beta-ratelimit-policy")).toBe('"tenant-app-quota";q=20;w=3600');
		expect(first.headers.get("x-ratelimit-nearlimit")).toBeNull();
		const second = await call("/rest/api/3/issue/ENG-1");
		expect(second.headers.get("x-ratelimit-remaining")).toBe("14"); // 20 − (1 + 5 issues)
		await call("/rest/api/3/search/jql?jql=project%3DENG&maxResults=5"); // 12 left, then 6
		expect((await call("/rest/api/3/issue/ENG-1")).headers.get("x-ratelimit-nearlimit")).toBeNull(); // 6 left, then 4
		expect((await call("/rest/api/3/issue/ENG-1")).headers.get("x-ratelimit-nearlimit")).toBeNull(); // 4: not under 20 %
		const nearer = await call("/rest/api/3/issue/ENG-1"); // 2 left: under 20 %
		expect(nearer.headers.get("x-ratelimit-remaining")).toBe("2");
		expect(nearer.headers.get("x-ratelimit-nearlimit")).toBe("true");
		expect(nearer.headers.get("beta-ratelimit")).toBe('"tenant-app-quota";r=2;t=3600');
		const refused = await call("/rest/api/3/issue/ENG-1");
		expect(refused.status).toBe(429);
		expect(refused.headers.get("ratelimit-reason")).toBe("jira-quota-tenant-based");
		expect(refused.headers.get("retry-after")).toBe("3600");
		expect(refused.headers.get("beta-retry-after")).toBe("3600");
		// The other site has a quota of its own.
		expect((await call("/rest/api/3/issue/ENG-1", { site: SECOND_SITE.id })).status).toBe(200);
		emulator.advanceTime(3_600_000);
		expect((await call("/rest/api/3/issue/ENG-1")).status).toBe(200);
	});

	it("the app quota is one for every site; a write costs the base point only; a refused call costs nothing", async () => {
		const { call } = await limited({ appPointsPerHour: 3, hourSeconds: 60 });
		expect((await call("/rest/api/3/issue/ENG-1", { method: "PUT", body: { fields: { summary: "x" } } })).status).toBe(204);
		expect((await call("/rest/api/3/issue/ENG-2", { method: "PUT", body: { fields: {} }, site: SECOND_SITE.id })).status).toBe(204);
		const last = await call("/rest/api/3/issue/ENG-3", { method: "PUT", body: { fields: {} } });
		expect(last.headers.get("beta-ratelimit-policy")).toBe('"global-app-quota";q=3;w=60');
		const refused = await call("/rest/api/3/issue/ENG-1", { site: SECOND_SITE.id });
		expect(refused.status).toBe(429);
		expect(refused.headers.get("ratelimit-reason")).toBe("jira-quota-global-based");
		expect(refused.headers.get("retry-after")).toBe("60");
	});
});

describe("the emulator's burst and per-issue write limits", () => {
	it("burst: per site and per method class (GET and POST; PUT, PATCH and DELETE), a second at a time", async () => {
		const { emulator, call } = await limited({ burstPerSecond: { read: 2, write: 1 } });
		expect((await call("/rest/api/3/issue/ENG-1")).status).toBe(200);
		expect((await call("/rest/api/3/issue/ENG-2")).status).toBe(200);
		const refused = await call("/rest/api/3/issue/ENG-3");
		expect(refused.status).toBe(429);
		expect(refused.headers.get("ratelimit-reason")).toBe("jira-burst-based");
		expect(refused.headers.get("retry-after")).toBe("1");
		// Writes have a budget of their own, and so has the other site.
		expect((await call("/rest/api/3/issue/ENG-1", { method: "PUT", body: { fields: {} } })).status).toBe(204);
		expect((await call("/rest/api/3/issue/ENG-2", { method: "PUT", body: { fields: {} } })).status).toBe(429);
		expect((await call("/rest/api/3/issue/ENG-1", { site: SECOND_SITE.id })).status).toBe(200);
		emulator.advanceTime(1_000);
		expect((await call("/rest/api/3/issue/ENG-3")).status).toBe(200);
	});

	it("per-issue writes: each window checked, one issue at a time; reads and other issues go on", async () => {
		const { emulator, call } = await limited({
			perIssueWrites: [
				{ limit: 2, windowSeconds: 2 },
				{ limit: 3, windowSeconds: 30 },
			],
		});
		const edit = (key: string) => call(`/rest/api/3/issue/${key}`, { method: "PUT", body: { fields: {} } });
		expect((await edit("ENG-1")).status).toBe(204);
		expect((await edit("ENG-1")).status).toBe(204);
		const refused = await edit("ENG-1");
		expect(refused.status).toBe(429);
		expect(refused.headers.get("ratelimit-reason")).toBe("jira-per-issue-on-write");
		expect((await edit("ENG-2")).status).toBe(204);
		expect((await call("/rest/api/3/issue/ENG-1")).status).toBe(200);
		emulator.advanceTime(2_000);
		expect((await edit("ENG-1")).status).toBe(204); // the third write in 30 s
		emulator.advanceTime(2_000);
		const longer = await edit("ENG-1");
		expect(longer.headers.get("ratelimit-reason")).toBe("jira-per-issue-on-write");
		expect(Number(longer.headers.get("retry-after"))).toBeGreaterThan(2);
		// Creating issues is no write to one issue.
		const created = await call("/rest/api/3/issue", { method: "POST", body: { fields: { project: { key: "ENG" }, summary: "new" } } });
		expect(created.status).toBe(201);
	});

	it("setAtlassianRateLimits(null) lifts every limit; without limits no rate-limit header is sent", async () => {
		const { emulator, call } = await limited({ burstPerSecond: { read: 1 } });
		await call("/rest/api/3/issue/ENG-1");
		expect((await call("/rest/api/3/issue/ENG-1")).status).toBe(429);
		emulator.setAtlassianRateLimits(null);
		const free = await call("/rest/api/3/issue/ENG-1");
		expect(free.status).toBe(200);
		expect(free.headers.get("x-ratelimit-limit")).toBeNull();
	});
});
