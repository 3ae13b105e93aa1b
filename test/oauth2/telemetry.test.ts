import { describe, expect, it } from "vitest";
import { Atlassian, type FetchFunction } from "../../src/index.js";
import type { Telemetry, TelemetryRequest } from "../../src/otel/index.js";

/** A Telemetry that records what it is handed, and runs the work as told. */
function recording() {
	const requests: TelemetryRequest[] = [];
	const telemetry: Telemetry = {
		request: (request, send) => {
			requests.push(request);
			return send();
		},
		refresh: (_key, work) => work(),
		leaseWaitStarted: () => () => {},
	};
	return { requests, telemetry };
}

const tokenAnswer: FetchFunction = async () =>
	Response.json({ access_token: "access-token-1", refresh_token: "refresh-token-1", expires_in: 3600, token_type: "Bearer" });

describe("the Telemetry contract: every request, and nothing secret", () => {
	it("is handed each request's method, URL and grant: never its headers, body or credentials", async () => {
		const { requests, telemetry } = recording();
		const atlassian = new Atlassian("client-id", "client-secret-value", "https://app.example/cb", { fetch: tokenAnswer, telemetry });
		await atlassian.validateAuthorizationCode("the-authorization-code");
		await atlassian.refreshAccessToken("the-refresh-token");
		await atlassian.getAccessibleResources("the-access-token").catch(() => {});
		expect(requests.map((request) => request.operation)).toEqual(["authorization_code", "refresh_token", undefined]);
		for (const request of requests) expect(Object.keys(request).sort()).toEqual(["method", "operation", "url"]);
		expect(JSON.stringify(requests)).not.toMatch(/client-secret-value|the-authorization-code|the-refresh-token|the-access-token/);
	});

	it("a failing fetch fails through it as it would without it", async () => {
		const { requests, telemetry } = recording();
		const atlassian = new Atlassian("client-id", "client-secret", "https://app.example/cb", {
			fetch: () => Promise.reject(new TypeError("fetch failed")),
			telemetry,
		});
		await expect(atlassian.refreshAccessToken("refresh-token")).rejects.toMatchObject({ name: "ArcticFetchError" });
		expect(requests).toHaveLength(1);
	});
});
