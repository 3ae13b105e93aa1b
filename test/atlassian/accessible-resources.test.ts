import { expect, it } from "vitest";
import { Atlassian, UnexpectedErrorResponseBodyError } from "../../src/index.js";

const site = {
	id: "11111111-2222-3333-4444-555555555555",
	url: "https://acme.atlassian.net",
	name: "acme",
	scopes: ["read:jira-work"],
	avatarUrl: "a",
};

const atlassian = (body: unknown) => new Atlassian("id", "secret", "https://app.example/cb", { fetch: async () => Response.json(body) });

it("getAccessibleResources reads the list of sites", async () => {
	expect(await atlassian([site]).getAccessibleResources("at")).toEqual([site]);
	expect(await atlassian([]).getAccessibleResources("at")).toEqual([]);
});

it("refuses a list that is not sites", async () => {
	for (const body of [site, [{ ...site, id: 5 }], [{ ...site, scopes: [1] }], [{ ...site, url: undefined }]]) {
		await expect(atlassian(body).getAccessibleResources("at")).rejects.toBeInstanceOf(UnexpectedErrorResponseBodyError);
	}
});
