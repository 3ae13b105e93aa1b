import { AtlassianRateLimits } from "../../src/testing/emulator/atlassian-rate-limits.js";
import { EmulatedAuthorizationServer } from "../../src/testing/emulator/authorization-server.js";
import { EmulatorClock } from "../../src/testing/emulator/clock.js";
import { EmulatedGateway } from "../../src/testing/emulator/gateway.js";
import { EmulatedIdentity } from "../../src/testing/emulator/identity.js";
import { GatewayRateLimiter } from "../../src/testing/emulator/rate-limit.js";
import { DEFAULT_CLIENT, DEFAULT_SITE, DEFAULT_USER, type EmulatedSite } from "../../src/testing/index.js";

export const REDIRECT_URI = DEFAULT_CLIENT.redirectURIs[0] as string;

/** The emulator's rooms wired by hand, as AtlassianEmulator wires them, for tests of one room at a time. */
export function emulatorRooms(options: { sites?: EmulatedSite[]; reuseIntervalMs?: number } = {}) {
	const clock = new EmulatorClock(() => 1_700_000_000_000);
	const sites = options.sites ?? [structuredClone(DEFAULT_SITE)];
	const user = structuredClone(DEFAULT_USER);
	user.siteIds = sites.map((site) => site.id);
	const directory = { clients: [structuredClone(DEFAULT_CLIENT)], users: [user], sites };
	const authorizationServer = new EmulatedAuthorizationServer(directory, clock, {
		accessTokenLifetimeMs: 3_600_000,
		refreshInactivityMs: 90 * 86_400_000,
		refreshMaxLifetimeMs: 365 * 86_400_000,
		reuseIntervalMs: options.reuseIntervalMs ?? 600_000,
		audiences: ["api.atlassian.com"],
	});
	const identity = new EmulatedIdentity(authorizationServer);
	const rateLimiter = new GatewayRateLimiter(clock, null);
	const limits = new AtlassianRateLimits(clock, null);
	const gateway = new EmulatedGateway(authorizationServer, identity, rateLimiter, limits);
	const tokenRequest = (body: Record<string, string>) =>
		authorizationServer.token(
			new Request("https://auth.example/oauth/token", {
				method: "POST",
				headers: { "Content-Type": "application/json" },
				body: JSON.stringify({ client_id: DEFAULT_CLIENT.clientId, client_secret: DEFAULT_CLIENT.clientSecret, ...body }),
			}),
		);
	/** Signs in with `scopes` and gives back the token response. */
	const signIn = async (scopes: string[], siteId?: string) => {
		const code = authorizationServer.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes, siteId });
		const response = await tokenRequest({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI });
		return (await response.json()) as { access_token: string; refresh_token?: string; expires_in: number; scope: string };
	};
	const bearer = (token: string, url = "https://api.example/me") => new Request(url, { headers: { Authorization: `Bearer ${token}` } });
	return { clock, authorizationServer, identity, rateLimiter, limits, gateway, tokenRequest, signIn, bearer, sites };
}
