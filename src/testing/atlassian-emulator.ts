import { AtlassianRateLimits, type EmulatedAtlassianLimits } from "./emulator/atlassian-rate-limits.js";
import { EmulatedAuthorizationServer, type IssuedCodeOptions } from "./emulator/authorization-server.js";
import { authorize, decide } from "./emulator/authorize-endpoint.js";
import { EmulatorClock } from "./emulator/clock.js";
import { errorPage } from "./emulator/consent-page.js";
import { type EmulatorFault, FaultInjector } from "./emulator/faults.js";
import { EmulatedGateway } from "./emulator/gateway.js";
import { EmulatedIdentity } from "./emulator/identity.js";
import { json } from "./emulator/json-response.js";
import { type EmulatedRateLimit, GatewayRateLimiter } from "./emulator/rate-limit.js";
import { DEFAULT_CLIENT, DEFAULT_SITE, DEFAULT_USER, type EmulatedClient, type EmulatedSite, type EmulatedUser } from "./fixtures.js";

export type { EmulatedAtlassianLimits } from "./emulator/atlassian-rate-limits.js";
export type { EmulatorFault } from "./emulator/faults.js";
export type { EmulatedRateLimit } from "./emulator/rate-limit.js";

export interface AtlassianEmulatorOptions {
	clients?: EmulatedClient[];
	users?: EmulatedUser[];
	sites?: EmulatedSite[];
	/** The clock, epoch ms. Default `Date.now`; `advanceTime()` adds to it. */
	now?: () => number;
	/** Default 3600, as Atlassian. */
	accessTokenLifetimeSeconds?: number;
	/** Refresh tokens die after this long unused. Default 90 days, as Atlassian. */
	refreshTokenInactivitySeconds?: number;
	/** A grant's refresh tokens die this long after consent, used or not. Default 365 days, as Atlassian. */
	refreshTokenMaxLifetimeSeconds?: number;
	/**
	 * How long after a rotation the immediately previous refresh token may be exchanged once more for a new
	 * pair. Default 600, as Atlassian. `0` is strict: any reuse of a spent refresh token revokes the grant.
	 */
	refreshTokenReuseIntervalSeconds?: number;
	/** `audience` values `/authorize` accepts besides the emulator's own host. Default `["api.atlassian.com"]`. */
	audiences?: string[];
	/** A rate limit on the product APIs (`/ex/…`); default none. See `setGatewayRateLimit()`. */
	gatewayRateLimit?: EmulatedRateLimit | null;
	/** Atlassian's points quotas, burst and per-issue write limits, scaled down; default none. See `setAtlassianRateLimits()`. */
	atlassianRateLimits?: EmulatedAtlassianLimits | null;
}

/**
 * An in-memory model of Atlassian's OAuth 2.0 (3LO) service and a few of its APIs, served as one
 * Web `Request` → `Response` function. `createAtlassianHandlers()` mounts it in msw, and
 * `startAtlassianEmulator()` on a real loopback port; both run exactly this logic.
 *
 * It wires its rooms together (`emulator/`): the clock, injected faults, the authorization server (consent
 * page and token endpoint), identity (`/me`, accessible resources), the product gateway and its rate limit.
 */
export class AtlassianEmulator {
	public readonly clients: EmulatedClient[];
	public readonly users: EmulatedUser[];
	public readonly sites: EmulatedSite[];
	/** Every request handled, in order (method, path, and when it arrived on the emulator's clock), for assertions. */
	public readonly requests: { method: string; path: string; at: number }[] = [];
	/** Refresh outcomes: normal rotations, exchanges of the previous token inside the reuse interval, and grants revoked for reuse. */
	public readonly refreshStats: { rotations: number; reuses: number; revocations: number };
	readonly #clock: EmulatorClock;
	readonly #faults = new FaultInjector();
	readonly #authorizationServer: EmulatedAuthorizationServer;
	readonly #identity: EmulatedIdentity;
	readonly #rateLimiter: GatewayRateLimiter;
	readonly #limits: AtlassianRateLimits;
	readonly #gateway: EmulatedGateway;

	constructor(options: AtlassianEmulatorOptions = {}) {
		this.clients = options.clients ?? [structuredClone(DEFAULT_CLIENT)];
		this.users = options.users ?? [structuredClone(DEFAULT_USER)];
		this.sites = options.sites ?? [structuredClone(DEFAULT_SITE)];
		this.#clock = new EmulatorClock(options.now);
		this.#authorizationServer = new EmulatedAuthorizationServer(this, this.#clock, {
			accessTokenLifetimeMs: (options.accessTokenLifetimeSeconds ?? 3600) * 1000,
			refreshInactivityMs: (options.refreshTokenInactivitySeconds ?? 90 * 24 * 3600) * 1000,
			refreshMaxLifetimeMs: (options.refreshTokenMaxLifetimeSeconds ?? 365 * 24 * 3600) * 1000,
			reuseIntervalMs: (options.refreshTokenReuseIntervalSeconds ?? 600) * 1000,
			audiences: options.audiences ?? ["api.atlassian.com"],
		});
		this.refreshStats = this.#authorizationServer.refreshStats;
		this.#identity = new EmulatedIdentity(this.#authorizationServer);
		this.#rateLimiter = new GatewayRateLimiter(this.#clock, options.gatewayRateLimit ?? null);
		this.#limits = new AtlassianRateLimits(this.#clock, options.atlassianRateLimits ?? null);
		this.#gateway = new EmulatedGateway(this.#authorizationServer, this.#identity, this.#rateLimiter, this.#limits);
	}

	/** Sets (or with `null` lifts) the product APIs' rate limit, starting a new window. */
	public setGatewayRateLimit(limit: EmulatedRateLimit | null): void {
		this.#rateLimiter.set(limit);
	}

	/** Sets (or with `null` lifts) Atlassian's points quotas, burst and per-issue write limits, every window afresh. */
	public setAtlassianRateLimits(limits: EmulatedAtlassianLimits | null): void {
		this.#limits.set(limits);
	}

	public now(): number {
		return this.#clock.now();
	}

	/** Moves the emulator's clock forward, e.g. past an access token's expiry. */
	public advanceTime(ms: number): void {
		this.#clock.advance(ms);
	}

	/** Whether `refreshToken` is the one its grant honours now: the newest, of a grant that is not revoked. */
	public isRefreshTokenCurrent(refreshToken: string): boolean {
		return this.#authorizationServer.isRefreshTokenCurrent(refreshToken);
	}

	public injectFault(fault: EmulatorFault): void {
		this.#faults.inject(fault);
	}

	/** Issues a code as if `accountId` had clicked Accept: lets tests skip the consent page. */
	public issueAuthorizationCode(options: IssuedCodeOptions): string {
		return this.#authorizationServer.issueAuthorizationCode(options);
	}

	/**
	 * Revokes one grant, the one `refreshToken` belongs to, as Atlassian does when its user removes the app under
	 * "Connected apps": its next refresh is answered 403 `invalid_grant`. `false` when the emulator issued no such token.
	 */
	public revokeGrant(refreshToken: string): boolean {
		return this.#authorizationServer.revokeGrant(refreshToken);
	}

	/** Revokes every token of every grant, as Atlassian does when a user removes the app or changes their password. */
	public revokeAllTokens(): void {
		this.#authorizationServer.revokeAllTokens();
	}

	/** Handles one request, whatever its host: auth (`/authorize`, `/oauth/token`) and API paths share one namespace. */
	public readonly handle = async (request: Request): Promise<Response> => {
		const url = new URL(request.url);
		this.requests.push({ method: request.method, path: url.pathname, at: this.now() });
		const fault = await this.#faults.apply(url.pathname);
		if (fault !== undefined) {
			return fault;
		}
		const route = `${request.method} ${url.pathname}`;
		if (route === "GET /authorize") return authorize(this.#authorizationServer, url);
		if (route === "POST /authorize/decision") return decide(this.#authorizationServer, request);
		if (route === "GET /error")
			return errorPage(400, `${url.searchParams.get("error") ?? "error"}: ${url.searchParams.get("error_description") ?? ""}`);
		if (route === "POST /oauth/token") return this.#authorizationServer.token(request);
		if (route === "GET /me") return this.#identity.me(request);
		if (route === "GET /oauth/token/accessible-resources") return this.#identity.accessibleResources(request);
		const gateway = /^\/ex\/(jira|confluence)\/([^/]+)(\/.*)$/.exec(url.pathname);
		if (gateway) return this.#gateway.handle(request, gateway[1] as string, gateway[2] as string, gateway[3] as string, url);
		return json(
			{
				code: 404,
				message:
					"Not found: the Atlassian emulator serves /authorize, /oauth/token, /me, accessible-resources and /ex/{product}/{cloudId}/…",
			},
			404,
		);
	};
}
