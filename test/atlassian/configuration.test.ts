import { expect, it } from "vitest";
import { getConfiguration, isGatewayURL } from "../../src/atlassian/configuration.js";
import { Atlassian } from "../../src/index.js";

it("finds the configuration of an Atlassian client, and refuses anything else", () => {
	const atlassian = new Atlassian("id", "secret", "https://app.example/cb");
	expect(getConfiguration(atlassian).apiGateway).toBe("https://api.atlassian.com");
	expect(() => getConfiguration({})).toThrow("Expected an Atlassian client");
});

it("isGatewayURL is true only under the gateway's origin and path prefix", () => {
	expect(isGatewayURL(new URL("https://api.atlassian.com/ex/jira/x"), "https://api.atlassian.com")).toBe(true);
	expect(isGatewayURL(new URL("https://api.atlassian.com.evil.example/ex"), "https://api.atlassian.com")).toBe(false);
	expect(isGatewayURL(new URL("https://user@api.atlassian.com/ex"), "https://api.atlassian.com")).toBe(false);
	expect(isGatewayURL(new URL("http://127.0.0.1:9/other/ex"), "http://127.0.0.1:9/gw")).toBe(false);
});
