import type { AtlassianRateLimits } from "./atlassian-rate-limits.js";
import type { EmulatedAuthorizationServer } from "./authorization-server.js";
import { GATEWAY_ROUTES } from "./gateway-routes.js";
import { type EmulatedIdentity, scopeMismatch } from "./identity.js";
import { json } from "./json-response.js";
import type { GatewayRateLimiter } from "./rate-limit.js";

/**
 * api.atlassian.com's product gateway, `/ex/{product}/{cloudId}/…`: authenticates the token, counts the request
 * against the rate limit, checks the site and the route's scopes, then answers from the route table.
 */
export class EmulatedGateway {
	readonly #authorizationServer: EmulatedAuthorizationServer;
	readonly #identity: EmulatedIdentity;
	readonly #rateLimiter: GatewayRateLimiter;
	readonly #limits: AtlassianRateLimits;

	constructor(
		authorizationServer: EmulatedAuthorizationServer,
		identity: EmulatedIdentity,
		rateLimiter: GatewayRateLimiter,
		limits: AtlassianRateLimits,
	) {
		this.#authorizationServer = authorizationServer;
		this.#identity = identity;
		this.#rateLimiter = rateLimiter;
		this.#limits = limits;
	}

	public async handle(request: Request, product: string, cloudId: string, path: string, url: URL): Promise<Response> {
		const token = this.#authorizationServer.authenticate(request);
		if (token instanceof Response) return token;
		const windowed = this.#rateLimiter.admit();
		if (windowed instanceof Response) return windowed;
		const admitted = this.#limits.admit(request.method, cloudId, path);
		if (admitted instanceof Response) return admitted;
		const limited = { ...windowed, ...admitted.headers };
		const granted = this.#identity.grantedSites(token).find(({ site }) => site.id === cloudId);
		if (!granted) return json({ code: 404, message: "No site with this cloud id is accessible with this token" }, 404, limited);
		const matches = GATEWAY_ROUTES.filter((candidate) => candidate.product === product && candidate.path.test(path));
		const route = matches.find((candidate) => candidate.method === request.method);
		if (!route) {
			return matches.length > 0
				? json({ errorMessages: [`${request.method} is not allowed on ${path}`] }, 405, limited)
				: json({ errorMessages: [`The Atlassian emulator does not implement ${path}`] }, 404, limited);
		}
		if (!route.scopes.some((scope) => granted.scopes.includes(scope))) return scopeMismatch();
		const response = await route.handle({
			request,
			url,
			params: (route.path.exec(path) ?? []).slice(1),
			site: granted.site,
			user: this.#identity.user(token.accountId)?.profile,
			base: `https://api.atlassian.com/ex/${product}/${granted.site.id}`,
		});
		await admitted.charge(response);
		for (const [name, value] of Object.entries(limited)) response.headers.set(name, value);
		return response;
	}
}
