import { expect, it } from "vitest";
import { createGatewayURL } from "../../src/index.js";

const CLOUD_ID = "11111111-2222-3333-4444-555555555555";

it("builds a product URL on the gateway, each path segment percent-encoded, with the query appended", () => {
	const url = createGatewayURL("https://api.atlassian.com/", "jira", CLOUD_ID.toUpperCase(), "/rest/api/3/issue/ABC 1?x", {
		expand: "names",
		max: 5,
	});
	expect(url.href).toBe(`https://api.atlassian.com/ex/jira/${CLOUD_ID}/rest/api/3/issue/ABC%201%3Fx?expand=names&max=5`);
	expect(
		createGatewayURL({ apiGateway: "http://127.0.0.1:9/gw" }, "confluence", CLOUD_ID, "wiki", new URLSearchParams("a=1&a=2")).href,
	).toBe(`http://127.0.0.1:9/gw/ex/confluence/${CLOUD_ID}/wiki?a=1&a=2`);
});

it("refuses a bad product, a cloud id that is not a UUID, and dot segments", () => {
	expect(() => createGatewayURL("https://api.atlassian.com", "Jira!", CLOUD_ID, "x")).toThrow(/Invalid Atlassian product/);
	expect(() => createGatewayURL("https://api.atlassian.com", "jira", "acme.atlassian.net", "x")).toThrow(/Invalid cloud id/);
	expect(() => createGatewayURL("https://api.atlassian.com", "jira", CLOUD_ID, "rest/../../admin")).toThrow(/"\." and "\.\." segments/);
});
