import { type AtlassianEmulator, DEFAULT_CLIENT } from "../../src/testing/index.js";

/** An access token from `emulator` for `scopes`: a code issued as if the user clicked Accept, exchanged at its token endpoint. */
export async function emulatorAccessToken(emulator: AtlassianEmulator, scopes: string[]): Promise<string> {
	const redirectURI = DEFAULT_CLIENT.redirectURIs[0] as string;
	const code = emulator.issueAuthorizationCode({ redirectURI, scopes });
	const exchanged = await emulator.handle(
		new Request("https://auth.atlassian.com/oauth/token", {
			method: "POST",
			headers: { "Content-Type": "application/json" },
			body: JSON.stringify({
				grant_type: "authorization_code",
				client_id: DEFAULT_CLIENT.clientId,
				client_secret: DEFAULT_CLIENT.clientSecret,
				code,
				redirect_uri: redirectURI,
			}),
		}),
	);
	return ((await exchanged.json()) as { access_token: string }).access_token;
}
