import { describe, expect, it } from "vitest";
import {
	Atlassian,
	CodeChallengeMethod,
	createLoginResponse,
	generateCodeVerifier,
	generateState,
	validateLoginCallback,
} from "../../src/index.js";
import { createCodeChallenge } from "../../src/oauth2/pkce.js";
import { AtlassianEmulator, DEFAULT_CLIENT } from "../../src/testing/index.js";
import { rejection } from "../support/rejection.js";

const REDIRECT_URI = DEFAULT_CLIENT.redirectURIs[0] as string;

function onEmulator(emulator = new AtlassianEmulator(), options: { prompt?: string } = {}) {
	const sent: Record<string, unknown>[] = [];
	const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, REDIRECT_URI, {
		...options,
		hosts: { authorizationServer: "http://127.0.0.1:9", apiGateway: "http://127.0.0.1:9" },
		fetch: async (input, init) => {
			sent.push(JSON.parse(String(init?.body ?? "{}")));
			return emulator.handle(new Request(input, init));
		},
	});
	return { emulator, atlassian, sent };
}

/** Accepts the consent page the way a browser would: the form's hidden fields go back to /authorize/decision. */
async function consent(emulator: AtlassianEmulator, url: URL): Promise<URL> {
	const page = await (await emulator.handle(new Request(url))).text();
	const form = new URLSearchParams(
		[...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1] ?? "", m[2] ?? ""]),
	);
	form.set("decision", "accept");
	const decision = await emulator.handle(
		new Request(new URL("/authorize/decision", url), {
			method: "POST",
			body: form,
			headers: { "Content-Type": "application/x-www-form-urlencoded" },
		}),
	);
	return new URL(decision.headers.get("location") ?? "");
}

describe("Atlassian PKCE (opt-in S256) and prompt", () => {
	it("adds the S256 challenge of the verifier to the URL, and sends the verifier with the exchange", async () => {
		const { emulator, atlassian, sent } = onEmulator();
		const codeVerifier = generateCodeVerifier();
		const url = atlassian.createAuthorizationURL(generateState(), ["read:me"], { codeVerifier });
		expect(url.searchParams.get("code_challenge_method")).toBe("S256");
		expect(url.searchParams.get("code_challenge")).toBe(createCodeChallenge(CodeChallengeMethod.S256, codeVerifier));
		const callback = await consent(emulator, url);
		const tokens = await atlassian.validateAuthorizationCode(callback.searchParams.get("code") ?? "", { codeVerifier });
		expect(tokens.accessToken()).toMatch(/^eyJ/);
		expect(sent.at(-1)).toMatchObject({ code_verifier: codeVerifier });
	});

	it("without a verifier the URL has no challenge and the exchange sends none (Arctic's behaviour)", () => {
		const { atlassian } = onEmulator();
		const url = atlassian.createAuthorizationURL("state", ["read:me"]);
		expect(url.searchParams.has("code_challenge")).toBe(false);
		expect(url.searchParams.has("code_challenge_method")).toBe(false);
	});

	it("the emulator refuses a code issued with a challenge when the verifier is missing or wrong, with 403 invalid_grant", async () => {
		const { emulator, atlassian } = onEmulator();
		const codeVerifier = generateCodeVerifier();
		const codeChallenge = createCodeChallenge(CodeChallengeMethod.S256, codeVerifier);
		const code = emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ["read:me"], codeChallenge });
		for (const options of [undefined, { codeVerifier: generateCodeVerifier() }]) {
			expect(await rejection(atlassian.validateAuthorizationCode(code, options))).toMatchObject({ code: "invalid_grant", status: 403 });
		}
		expect((await atlassian.validateAuthorizationCode(code, { codeVerifier })).accessToken()).toMatch(/^eyJ/);
	});

	it("prompt defaults to consent and can be changed", () => {
		expect(onEmulator().atlassian.createAuthorizationURL("s", []).searchParams.get("prompt")).toBe("consent");
		expect(onEmulator(undefined, { prompt: "login" }).atlassian.createAuthorizationURL("s", []).searchParams.get("prompt")).toBe("login");
	});

	it("the login routes use PKCE when asked: the verifier rides in the HttpOnly state cookie and reaches the token endpoint", async () => {
		const { emulator, atlassian, sent } = onEmulator();
		const login = createLoginResponse(atlassian, ["read:me", "offline_access"], { pkce: true });
		const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
		const [state, codeVerifier] = cookie.split("=")[1]?.split(".") ?? [];
		const url = new URL(login.headers.get("location") ?? "");
		expect(url.searchParams.get("state")).toBe(state);
		expect(url.searchParams.get("code_challenge")).toBe(createCodeChallenge(CodeChallengeMethod.S256, codeVerifier ?? ""));
		const callback = await consent(emulator, url);
		const request = new Request(callback, { headers: { Cookie: cookie } });
		const { tokens } = await validateLoginCallback(atlassian, request, { pkce: true });
		expect(tokens.hasRefreshToken()).toBe(true);
		expect(sent.at(-1)).toMatchObject({ code_verifier: codeVerifier });
		// A cookie without a verifier is refused when PKCE is on.
		const plain = new Request(callback, { headers: { Cookie: `atlassian_oauth_state=${state}` } });
		expect(await rejection(validateLoginCallback(atlassian, plain, { pkce: true }))).toMatchObject({ reason: "missing_stored_state" });
	});
});

describe("AtlassianEmulator sign-in fidelity", () => {
	it("an unregistered redirect_uri at /authorize is a redirect to an error page with error=unauthorized_client", async () => {
		const emulator = new AtlassianEmulator();
		const url = new URL("http://127.0.0.1:9/authorize");
		for (const [name, value] of Object.entries({
			client_id: DEFAULT_CLIENT.clientId,
			redirect_uri: "https://evil.example/cb",
			response_type: "code",
			audience: "api.atlassian.com",
			state: "s",
		}))
			url.searchParams.set(name, value);
		const response = await emulator.handle(new Request(url));
		expect(response.status).toBe(302);
		const location = new URL(response.headers.get("location") ?? "");
		expect(location.origin).toBe(url.origin); // the emulator's own error page: nothing leaves loopback
		expect(location.searchParams.get("error")).toBe("unauthorized_client");
		expect((await emulator.handle(new Request(location))).status).toBe(400);
	});

	it("a bad, reused or redirect-mismatched code is 403 invalid_grant 'Invalid authorization code'", async () => {
		const { emulator, atlassian } = onEmulator();
		const code = emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ["read:me"] });
		const other = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, "http://localhost:3000/elsewhere", {
			hosts: { authorizationServer: "http://127.0.0.1:9", apiGateway: "http://127.0.0.1:9" },
			fetch: (input, init) => emulator.handle(new Request(input, init)),
		});
		expect(await rejection(other.validateAuthorizationCode(code))).toMatchObject({
			code: "invalid_grant",
			status: 403,
			description: "Invalid authorization code",
		});
		await atlassian.validateAuthorizationCode(code);
		for (const attempt of [code, "no-such-code"]) {
			expect(await rejection(atlassian.validateAuthorizationCode(attempt))).toMatchObject({
				status: 403,
				description: "Invalid authorization code",
			});
		}
	});

	it("access tokens are JWT-sized: three base64url segments, over 1 KB", async () => {
		const { emulator, atlassian } = onEmulator();
		const tokens = await atlassian.validateAuthorizationCode(
			emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes: ["read:me"] }),
		);
		const accessToken = tokens.accessToken();
		expect(accessToken.length).toBeGreaterThanOrEqual(1024);
		expect(accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
		expect(JSON.parse(Buffer.from(accessToken.split(".")[1] ?? "", "base64url").toString())).toMatchObject({ aud: "api.atlassian.com" });
		expect((await atlassian.getUser(accessToken)).account_id).toBeTypeOf("string");
	});
});
