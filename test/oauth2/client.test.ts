import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { OAuth2Client } from "../../src/index.js";
import { useMswServer } from "../support/msw.js";

const server = useMswServer();
const TOKEN_ENDPOINT = "https://idp.example/oauth/token";

async function capture(run: () => Promise<unknown>) {
	let request: Request | undefined;
	let body = "";
	server.use(
		http.post(TOKEN_ENDPOINT, async ({ request: incoming }) => {
			request = incoming;
			body = await incoming.text();
			return HttpResponse.json({ access_token: "at", token_type: "Bearer" });
		}),
	);
	await run();
	if (request === undefined) throw new Error("no request");
	return { request, body };
}

describe("OAuth2Client authorization URL", () => {
	it("builds an RFC 6749 authorization request with extra parameters", () => {
		const client = new OAuth2Client("id", "secret", "https://app.example/cb", {
			authorizationParameters: { audience: "x", prompt: "consent" },
		});
		const url = client.createAuthorizationURL("https://idp.example/authorize?tenant=1", "st", ["a", "b"]);
		expect(Object.fromEntries(url.searchParams)).toEqual({
			tenant: "1",
			response_type: "code",
			client_id: "id",
			redirect_uri: "https://app.example/cb",
			state: "st",
			scope: "a b",
			audience: "x",
			prompt: "consent",
		});
	});
});

describe("OAuth2Client client authentication", () => {
	it("a confidential client sends HTTP Basic credentials, form-urlencoded before base64 (RFC 6749 §2.3.1)", async () => {
		const client = new OAuth2Client("my id:1", "p@ss wörd+/=", "https://app.example/cb");
		const { request, body } = await capture(() => client.validateAuthorizationCode(TOKEN_ENDPOINT, "the code", "verifier"));
		const header = request.headers.get("authorization") ?? "";
		expect(header.startsWith("Basic ")).toBe(true);
		expect(Buffer.from(header.slice(6), "base64").toString("utf8")).toBe("my+id%3A1:p%40ss+w%C3%B6rd%2B%2F%3D");
		expect(request.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
		expect(Object.fromEntries(new URLSearchParams(body))).toEqual({
			grant_type: "authorization_code",
			code: "the code",
			redirect_uri: "https://app.example/cb",
			code_verifier: "verifier",
		});
	});

	it("a public client sends client_id in the body and no Authorization header", async () => {
		const client = new OAuth2Client("public-id", null, null);
		const { request, body } = await capture(() => client.refreshAccessToken(TOKEN_ENDPOINT, "rt", ["a", "b"]));
		expect(request.headers.get("authorization")).toBeNull();
		expect(Object.fromEntries(new URLSearchParams(body))).toEqual({
			grant_type: "refresh_token",
			refresh_token: "rt",
			scope: "a b",
			client_id: "public-id",
		});
	});

	it('clientAuthentication: "body" puts the secret in the body', async () => {
		const client = new OAuth2Client("id", "secret", null, { clientAuthentication: "body" });
		const { request, body } = await capture(() => client.revokeToken(TOKEN_ENDPOINT, "tok"));
		expect(request.headers.get("authorization")).toBeNull();
		expect(Object.fromEntries(new URLSearchParams(body))).toEqual({ token: "tok", client_id: "id", client_secret: "secret" });
	});

	it('bodyEncoding: "json" sends a JSON body', async () => {
		const client = new OAuth2Client("id", null, "https://app.example/cb", { bodyEncoding: "json" });
		const { request, body } = await capture(() => client.validateAuthorizationCode(TOKEN_ENDPOINT, "c", null));
		expect(request.headers.get("content-type")).toBe("application/json");
		expect(JSON.parse(body)).toEqual({
			grant_type: "authorization_code",
			code: "c",
			redirect_uri: "https://app.example/cb",
			client_id: "id",
		});
	});

	it("an empty client secret is sent as given and is not treated as a secret to redact", async () => {
		const client = new OAuth2Client("id", "", null, { clientAuthentication: "body" });
		const { body } = await capture(() => client.refreshAccessToken(TOKEN_ENDPOINT, "rt", []));
		expect(Object.fromEntries(new URLSearchParams(body))).toEqual({
			grant_type: "refresh_token",
			refresh_token: "rt",
			client_id: "id",
			client_secret: "",
		});
		server.use(
			http.post(TOKEN_ENDPOINT, () => HttpResponse.json({ error: "invalid_client", error_description: "bad client" }, { status: 401 })),
		);
		await expect(client.refreshAccessToken(TOKEN_ENDPOINT, "rt", [])).rejects.toMatchObject({ description: "bad client" });
	});
});
