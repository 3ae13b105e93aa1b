import { describe, expect, it } from "vitest";
import { ArcticFetchError, OAuth2RequestError } from "../../src/index.js";
import { AuthorizationCodeClient } from "../../src/oauth2/authorization-code-client.js";
import { clientSecretPost } from "../../src/oauth2/client-authentication.js";

/** A client whose token endpoint records each request and answers with `answer`. */
function client(answer: () => Response, redirectURI: string | null = "https://app.example/cb") {
	const requests: { url: string; body: URLSearchParams }[] = [];
	const oauth = new AuthorizationCodeClient("client-1", redirectURI, {
		clientAuthentication: clientSecretPost("client-1", "secret-0123456789"),
		fetch: async (input, init) => {
			requests.push({ url: String(input), body: new URLSearchParams(String(init?.body)) });
			return answer();
		},
	});
	return { oauth, requests };
}

const tokens = () => Response.json({ access_token: "at", token_type: "Bearer", expires_in: 3600, refresh_token: "rt" });

describe("AuthorizationCodeClient", () => {
	it("builds the authorization request, without redirect_uri or scope when there are none", () => {
		const { oauth } = client(tokens);
		const url = oauth.createAuthorizationURL("https://auth.example/authorize", "st", ["a", "b"]);
		expect(Object.fromEntries(url.searchParams)).toEqual({
			response_type: "code",
			client_id: "client-1",
			redirect_uri: "https://app.example/cb",
			state: "st",
			scope: "a b",
		});
		const bare = client(tokens, null).oauth.createAuthorizationURL("https://auth.example/authorize", "st", []);
		expect([...bare.searchParams.keys()]).toEqual(["response_type", "client_id", "state"]);
	});

	it("exchanges a code with its redirect_uri and verifier, and refreshes with the scopes asked for", async () => {
		const { oauth, requests } = client(tokens);
		expect((await oauth.validateAuthorizationCode("https://auth.example/token", "code-1", "verifier-1")).accessToken()).toBe("at");
		await oauth.refreshAccessToken("https://auth.example/token", "rt-1", ["read:me"]);
		expect(Object.fromEntries(requests[0]?.body ?? [])).toEqual({
			grant_type: "authorization_code",
			code: "code-1",
			redirect_uri: "https://app.example/cb",
			code_verifier: "verifier-1",
			client_id: "client-1",
			client_secret: "secret-0123456789",
		});
		expect(Object.fromEntries(requests[1]?.body ?? [])).toMatchObject({
			grant_type: "refresh_token",
			refresh_token: "rt-1",
			scope: "read:me",
		});
	});

	it("keeps the grant's own secrets out of its errors: the refresh token sent is redacted from a network failure", async () => {
		const { oauth } = client(() => {
			throw new TypeError("fetch failed for refresh_token=rt-secret-0123456789");
		});
		const error = await oauth
			.refreshAccessToken("https://auth.example/token", "rt-secret-0123456789", [])
			.catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect(JSON.stringify({ message: (error as Error & { cause: Error }).cause.message })).not.toContain("rt-secret-0123456789");
	});

	it("reports the token endpoint's OAuth error, and revokes through the revocation endpoint", async () => {
		const refused = client(() => Response.json({ error: "invalid_grant" }, { status: 400 }));
		await expect(refused.oauth.validateAuthorizationCode("https://auth.example/token", "c", null)).rejects.toBeInstanceOf(
			OAuth2RequestError,
		);
		const revoking = client(() => new Response(null, { status: 200 }));
		await revoking.oauth.revokeToken("https://auth.example/revoke", "rt-1");
		expect(revoking.requests[0]?.url).toBe("https://auth.example/revoke");
		expect(revoking.requests[0]?.body.get("token")).toBe("rt-1");
	});
});
