import { expect, it } from "vitest";
import { ArcticFetchError, OAuth2RequestError, UnexpectedErrorResponseBodyError, UnexpectedResponseError } from "../../src/index.js";

it("OAuth2RequestError keeps the RFC 6749 fields and says them in its message", () => {
	const error = new OAuth2RequestError("invalid_grant", "Unknown or invalid refresh token.", "https://errors.example", "st", 403);
	expect(error).toMatchObject({
		name: "OAuth2RequestError",
		code: "invalid_grant",
		uri: "https://errors.example",
		state: "st",
		status: 403,
	});
	expect(error.message).toBe("OAuth request error: invalid_grant (HTTP 403): Unknown or invalid refresh token.");
	expect(new OAuth2RequestError("access_denied", null, null, null).status).toBeNull();
	expect(new OAuth2RequestError("access_denied", null, null, null).message).toBe("OAuth request error: access_denied");
});

it("ArcticFetchError keeps its cause and says it is safe to retry", () => {
	const cause = new TypeError("fetch failed");
	const error = new ArcticFetchError(cause);
	expect(error.cause).toBe(cause);
	expect(error.message).toMatch(/safe to retry/);
});

it("the unexpected-response errors carry the status, and the body's data", () => {
	expect(new UnexpectedResponseError(502).message).toBe(
		"Unexpected response (HTTP 502): not an OAuth 2.0 response; check the endpoint URL and the server's health",
	);
	expect(new UnexpectedResponseError(200, "an empty body").message).toMatch(/\(HTTP 200\): an empty body;/);
	const body = new UnexpectedErrorResponseBodyError(400, { unexpected: true });
	expect(body).toMatchObject({ status: 400, data: { unexpected: true }, name: "UnexpectedErrorResponseBodyError" });
});
