// What makes each recipe runnable on its own: `npx tsx examples/<name>.ts` listens on http://localhost:3000 (or
// PORT) and prints where to start. With ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET set, it signs in with
// real Atlassian (register http://localhost:PORT/login/atlassian/callback as the app's callback URL); without,
// with the offline emulator, as `npm run demo` does.
import { Atlassian, MemoryTokenStore, TokenManager } from "../src/index.js";
import { startAtlassianEmulator } from "../src/testing/index.js";

/** Starts one recipe: `listen` serves it on `port` of localhost. */
export async function runExample(
	name: string,
	listen: (atlassian: Atlassian, tokens: TokenManager, port: number, redirectURI: string) => Promise<unknown>,
): Promise<void> {
	const port = Number(process.env.PORT ?? 3000);
	const redirectURI = `http://localhost:${port}/login/atlassian/callback`;
	const { ATLASSIAN_CLIENT_ID: clientId, ATLASSIAN_CLIENT_SECRET: clientSecret } = process.env;
	let atlassian: Atlassian;
	if (clientId && clientSecret) {
		atlassian = new Atlassian(clientId, clientSecret, redirectURI);
	} else {
		const emulator = await startAtlassianEmulator({
			clients: [
				{ clientId: "example-client", clientSecret: "example-secret", name: `atlassian-3lo ${name} recipe`, redirectURIs: [redirectURI] },
			],
		});
		atlassian = new Atlassian("example-client", "example-secret", redirectURI, { hosts: emulator.hosts });
		console.log(`No ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET: signing in with the offline emulator at ${emulator.url}`);
	}
	const tokens = new TokenManager(atlassian, { store: new MemoryTokenStore() });
	await listen(atlassian, tokens, port, redirectURI);
	console.log(`${name} recipe listening on http://localhost:${port}: open http://localhost:${port}/login/atlassian`);
}
