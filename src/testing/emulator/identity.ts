import type { EmulatedSite, EmulatedUser } from "../fixtures.js";
import type { EmulatedAuthorizationServer } from "./authorization-server.js";
import type { AccessTokenRecord } from "./issued-tokens.js";
import { json } from "./json-response.js";

/** The gateway's answer to a token without the endpoint's scope: a 401 with its own failure category, not a 403. */
export function scopeMismatch(): Response {
	return json({ code: 401, message: "Unauthorized; scope does not match" }, 401, { "X-Failure-Category": "FAILURE_CLIENT_SCOPE_CHECK" });
}

/** api.atlassian.com's identity APIs: who the token's user is (`/me`) and which sites it reaches (accessible resources). */
export class EmulatedIdentity {
	readonly #authorizationServer: EmulatedAuthorizationServer;

	constructor(authorizationServer: EmulatedAuthorizationServer) {
		this.#authorizationServer = authorizationServer;
	}

	public user(accountId: string): EmulatedUser | undefined {
		return this.#authorizationServer.users.find((user) => user.profile.account_id === accountId);
	}

	/** The sites the token reaches — the user's, narrowed to the one chosen at consent — with the scopes granted on each. */
	public grantedSites(token: AccessTokenRecord): { site: EmulatedSite; scopes: string[] }[] {
		const user = this.user(token.accountId);
		const chosen = this.#authorizationServer.grantedSiteId(token);
		return this.#authorizationServer.sites
			.filter((site) => user?.siteIds.includes(site.id) && (chosen === null || site.id === chosen))
			.map((site) => ({ site, scopes: site.scopes.filter((scope) => token.scopes.includes(scope)) }))
			.filter(({ scopes }) => scopes.length > 0);
	}

	/** `GET /me` */
	public me(request: Request): Response {
		const token = this.#authorizationServer.authenticate(request);
		if (token instanceof Response) return token;
		if (!token.scopes.includes("read:me")) return scopeMismatch();
		return json(this.user(token.accountId)?.profile ?? {});
	}

	/** `GET /oauth/token/accessible-resources` */
	public accessibleResources(request: Request): Response {
		const token = this.#authorizationServer.authenticate(request);
		if (token instanceof Response) return token;
		return json(
			this.grantedSites(token).map(({ site, scopes }) => ({
				id: site.id,
				url: site.url,
				name: site.name,
				scopes,
				avatarUrl: site.avatarUrl,
			})),
		);
	}
}
