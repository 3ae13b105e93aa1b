import { expect, it } from "vitest";
import { cloudHosts, customHosts } from "../../src/atlassian/cloud.js";

it("knows each Atlassian cloud's hosts, and refuses an unknown cloud", () => {
	expect(cloudHosts("commercial")).toEqual({
		authorizationServer: "https://auth.atlassian.com",
		apiGateway: "https://api.atlassian.com",
		audience: "api.atlassian.com",
	});
	expect(cloudHosts("us-gov-mod").apiGateway).toBe("https://api.atlassian-us-gov-mod.com");
	expect(() => cloudHosts("toString" as never)).toThrow('Unknown Atlassian cloud "toString"');
});

it("takes custom hosts over https:, or http: on loopback only, without a trailing slash", () => {
	expect(customHosts({ authorizationServer: "http://127.0.0.1:4000/", apiGateway: "http://localhost:4000/gw/" })).toEqual({
		authorizationServer: "http://127.0.0.1:4000",
		apiGateway: "http://localhost:4000/gw",
		audience: "localhost:4000",
	});
	expect(
		customHosts({ authorizationServer: "https://a.example", apiGateway: "https://b.example", audience: "api.atlassian.com" }).audience,
	).toBe("api.atlassian.com");
	expect(() => customHosts({ authorizationServer: "http://auth.example", apiGateway: "https://b.example" })).toThrow(/must use https:/);
	expect(() => customHosts({ authorizationServer: "not a url", apiGateway: "https://b.example" })).toThrow(/must be an absolute URL/);
});
