import { encodeBase64urlNoPadding } from "../internal/base64url.js";
import { CodeChallengeMethod, createCodeChallenge } from "../oauth2/pkce.js";
import { consentPage, errorPage } from "./consent-page.js";
import { DEFAULT_CLIENT, DEFAULT_SITE, DEFAULT_USER, type EmulatedClient, type EmulatedSite, type EmulatedUser } from "./fixtures.js";
import { GATEWAY_ROUTES, json } from "./gateway-routes.js";

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
}

/**
 * At most `limit` product-API requests per `windowSeconds`; past it, 429 with `Retry-After` (seconds to the
 * window's end), `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` and `RateLimit-Reason`, as
 * Atlassian answers. Every answer carries the `X-RateLimit-*` headers while a limit is set.
 */
export interface EmulatedRateLimit {
	limit: number;
	windowSeconds: number;
	/** Default `jira-burst-based`. */
	reason?: string;
}

/** A failure to serve instead of (or before) the normal answer. */
export interface EmulatorFault {
	/** Only requests whose path starts with this. Default: every request. */
	pathPrefix?: string;
	/** Answer with this status and body instead of the normal answer (no body for 204 and 304). */
	status?: number;
	body?: string;
	contentType?: string;
	/** Headers of that answer, e.g. `Retry-After` or `X-Failure-Category`. */
	headers?: Record<string, string>;
	/** Wait this long first (with `status` unset: then answer normally). */
	delayMs?: number;
	/** How many requests it applies to. Default 1. */
	times?: number;
}

interface AuthorizationCode {
	clientId: string;
	redirectURI: string;
	accountId: string;
	scopes: string[];
	expiresAt: number;
	used: boolean;
	familyId: string | null;
	/** The PKCE S256 challenge of the authorization request, if it had one. */
	codeChallenge: string | null;
	/** The site chosen on the consent page; `null`: every site of the user. */
	siteId: string | null;
}

interface AccessTokenRecord {
	accountId: string;
	scopes: string[];
	expiresAt: number;
	familyId: string;
}

interface RefreshTokenRecord {
	familyId: string;
	clientId: string;
	accountId: string;
	scopes: string[];
	issuedAt: number;
}

/** One grant (one consent): which of its refresh tokens may still be exchanged. */
interface Grant {
	consentedAt: number;
	/** The site the user chose on the consent page; `null`: all of theirs. */
	siteId: string | null;
	current: string | null;
	/** The refresh token rotated most recently, and when: inside the reuse interval it may go once more. */
	previous: string | null;
	previousRotatedAt: number;
}

/** The gateway's answer to a token without the endpoint's scope: a 401 with its own failure category, not a 403. */
function scopeMismatch(): Response {
	return json({ code: 401, message: "Unauthorized; scope does not match" }, 401, { "X-Failure-Category": "FAILURE_CLIENT_SCOPE_CHECK" });
}

function randomToken(prefix: string): string {
	return `${prefix}${encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(24)))}`;
}

const base64urlJSON = (value: unknown) => encodeBase64urlNoPadding(new TextEncoder().encode(JSON.stringify(value)));

/**
 * An access token shaped like Atlassian's: a JWT of three base64url segments, well over 1 KB, so code that
 * stores, logs or sends tokens meets their real size. Not verifiable: the emulator only looks tokens up.
 */
function jwtShapedToken(claims: Record<string, unknown>): string {
	const header = base64urlJSON({ kid: "auth.atlassian.com/emulator", typ: "JWT", alg: "RS256" });
	const payload = base64urlJSON({
		jti: crypto.randomUUID(),
		iss: "https://auth.atlassian.com",
		aud: "api.atlassian.com",
		iat: Math.floor(Date.now() / 1000),
		"https://atlassian.com/systemAccountEmailDomain": "connect.atlassian.com",
		"https://atlassian.com/3lo": true,
		"https://atlassian.com/oauthClientId": "emulator",
		"https://id.atlassian.com/verified": true,
		"https://id.atlassian.com/processRegion": "us-east-1",
		"https://id.atlassian.com/sessionId": crypto.randomUUID(),
		...claims,
	});
	return `${header}.${payload}.${encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(256)))}`;
}

/**
 * An in-memory model of Atlassian's OAuth 2.0 (3LO) service and a few of its APIs, served as one
 * Web `Request` → `Response` function. `createAtlassianHandlers()` mounts it in msw, and
 * `startAtlassianEmulator()` on a real loopback port; both run exactly this logic.
 */
export class AtlassianEmulator {
	public readonly clients: EmulatedClient[];
	public readonly users: EmulatedUser[];
	public readonly sites: EmulatedSite[];
	/** Every request handled, in order (method, path, and when it arrived on the emulator's clock), for assertions. */
	public readonly requests: { method: string; path: string; at: number }[] = [];
	/** Refresh outcomes: normal rotations, exchanges of the previous token inside the reuse interval, and grants revoked for reuse. */
	public readonly refreshStats = { rotations: 0, reuses: 0, revocations: 0 };
	readonly #now: () => number;
	#timeOffsetMs = 0;
	readonly #accessTokenLifetimeMs: number;
	readonly #refreshInactivityMs: number;
	readonly #refreshMaxLifetimeMs: number;
	readonly #reuseIntervalMs: number;
	readonly #grants = new Map<string, Grant>();
	readonly #audiences: string[];
	readonly #faults: EmulatorFault[] = [];
	readonly #codes = new Map<string, AuthorizationCode>();
	readonly #accessTokens = new Map<string, AccessTokenRecord>();
	readonly #refreshTokens = new Map<string, RefreshTokenRecord>();
	readonly #revokedFamilies = new Set<string>();
	#rateLimit: EmulatedRateLimit | null;
	#rateWindow = { startedAt: 0, count: 0 };

	constructor(options: AtlassianEmulatorOptions = {}) {
		this.clients = options.clients ?? [structuredClone(DEFAULT_CLIENT)];
		this.users = options.users ?? [structuredClone(DEFAULT_USER)];
		this.sites = options.sites ?? [structuredClone(DEFAULT_SITE)];
		this.#now = options.now ?? Date.now;
		this.#accessTokenLifetimeMs = (options.accessTokenLifetimeSeconds ?? 3600) * 1000;
		this.#refreshInactivityMs = (options.refreshTokenInactivitySeconds ?? 90 * 24 * 3600) * 1000;
		this.#refreshMaxLifetimeMs = (options.refreshTokenMaxLifetimeSeconds ?? 365 * 24 * 3600) * 1000;
		this.#reuseIntervalMs = (options.refreshTokenReuseIntervalSeconds ?? 600) * 1000;
		this.#audiences = options.audiences ?? ["api.atlassian.com"];
		this.#rateLimit = options.gatewayRateLimit ?? null;
	}

	/** Sets (or with `null` lifts) the product APIs' rate limit, starting a new window. */
	public setGatewayRateLimit(limit: EmulatedRateLimit | null): void {
		this.#rateLimit = limit;
		this.#rateWindow = { startedAt: this.now(), count: 0 };
	}

	public now(): number {
		return this.#now() + this.#timeOffsetMs;
	}

	/** Moves the emulator's clock forward, e.g. past an access token's expiry. */
	public advanceTime(ms: number): void {
		this.#timeOffsetMs += ms;
	}

	/** Whether `refreshToken` is the one its grant honours now: the newest, of a grant that is not revoked. */
	public isRefreshTokenCurrent(refreshToken: string): boolean {
		const record = this.#refreshTokens.get(refreshToken);
		return (
			record !== undefined && !this.#revokedFamilies.has(record.familyId) && this.#grants.get(record.familyId)?.current === refreshToken
		);
	}

	public injectFault(fault: EmulatorFault): void {
		this.#faults.push({ times: 1, ...fault });
	}

	/** Issues a code as if `accountId` had clicked Accept: lets tests skip the consent page. */
	public issueAuthorizationCode(options: {
		clientId?: string;
		redirectURI: string;
		scopes: string[];
		accountId?: string;
		/** A PKCE S256 challenge: the exchange must then send the matching `code_verifier`. */
		codeChallenge?: string;
		/** The site chosen on the consent page: the grant reaches only it. Default: every site of the user. */
		siteId?: string;
	}): string {
		const code = randomToken("code-");
		this.#codes.set(code, {
			clientId: options.clientId ?? this.clients[0]?.clientId ?? "",
			redirectURI: options.redirectURI,
			accountId: options.accountId ?? this.users[0]?.profile.account_id ?? "",
			scopes: options.scopes,
			expiresAt: this.now() + 10 * 60 * 1000,
			used: false,
			familyId: null,
			codeChallenge: options.codeChallenge ?? null,
			siteId: options.siteId ?? null,
		});
		return code;
	}

	/** Revokes every token of a grant, as Atlassian does when a user removes the app or changes their password. */
	public revokeAllTokens(): void {
		for (const record of this.#refreshTokens.values()) {
			this.#revokedFamilies.add(record.familyId);
		}
	}

	/** Handles one request, whatever its host: auth (`/authorize`, `/oauth/token`) and API paths share one namespace. */
	public readonly handle = async (request: Request): Promise<Response> => {
		const url = new URL(request.url);
		this.requests.push({ method: request.method, path: url.pathname, at: this.now() });
		const fault = this.#takeFault(url.pathname);
		if (fault?.delayMs) {
			await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
		}
		if (fault?.status !== undefined) {
			const empty = fault.status === 204 || fault.status === 304;
			return new Response(empty ? null : (fault.body ?? ""), {
				status: fault.status,
				headers: { ...(empty ? {} : { "Content-Type": fault.contentType ?? "application/json" }), ...fault.headers },
			});
		}
		const route = `${request.method} ${url.pathname}`;
		if (route === "GET /authorize") return this.#authorize(url);
		if (route === "POST /authorize/decision") return this.#decision(request);
		if (route === "GET /error")
			return errorPage(400, `${url.searchParams.get("error") ?? "error"}: ${url.searchParams.get("error_description") ?? ""}`);
		if (route === "POST /oauth/token") return this.#token(request);
		if (route === "GET /me") return this.#me(request);
		if (route === "GET /oauth/token/accessible-resources") return this.#accessibleResources(request);
		const gateway = /^\/ex\/(jira|confluence)\/([^/]+)(\/.*)$/.exec(url.pathname);
		if (gateway) return this.#gateway(request, gateway[1] as string, gateway[2] as string, gateway[3] as string, url);
		return json(
			{
				code: 404,
				message:
					"Not found: the Atlassian emulator serves /authorize, /oauth/token, /me, accessible-resources and /ex/{product}/{cloudId}/…",
			},
			404,
		);
	};

	#takeFault(path: string): EmulatorFault | undefined {
		const index = this.#faults.findIndex((fault) => path.startsWith(fault.pathPrefix ?? "/"));
		const fault = this.#faults[index];
		if (fault === undefined) return undefined;
		fault.times = (fault.times ?? 1) - 1;
		if (fault.times <= 0) this.#faults.splice(index, 1);
		return fault;
	}

	#authorize(url: URL): Response {
		const params = url.searchParams;
		const client = this.clients.find((candidate) => candidate.clientId === params.get("client_id"));
		if (!client) return errorPage(400, `Unknown client_id "${params.get("client_id") ?? ""}": register the app first.`);
		const redirectURI = params.get("redirect_uri") ?? "";
		if (!client.redirectURIs.includes(redirectURI)) {
			// Atlassian redirects to its identity site's error page (id.atlassian.com/error); the emulator to its own.
			const target = new URL("/error", url);
			target.searchParams.set("error", "unauthorized_client");
			target.searchParams.set("error_description", `redirect_uri "${redirectURI}" is not a callback URL of this app`);
			return new Response(null, { status: 302, headers: { Location: target.href } });
		}
		if (params.get("response_type") !== "code") return errorPage(400, 'response_type must be "code".');
		const challengeMethod = params.get("code_challenge_method");
		if (challengeMethod !== null && challengeMethod !== "S256") return errorPage(400, "code_challenge_method must be S256.");
		const audience = params.get("audience");
		if (audience === null || !(this.#audiences.includes(audience) || audience === url.host)) {
			return errorPage(400, `audience must be api.atlassian.com (or this emulator's host, ${url.host}).`);
		}
		const scopes = (params.get("scope") ?? "").split(" ").filter(Boolean);
		return new Response(
			consentPage({
				clientId: client.clientId,
				appName: client.name ?? client.clientId,
				sites: this.sites.map((site) => ({ id: site.id, name: site.name, url: site.url })),
				redirectURI,
				state: params.get("state"),
				codeChallenge: params.get("code_challenge"),
				scopes,
				users: this.users.map((user) => ({ accountId: user.profile.account_id, name: user.profile.name, email: user.profile.email })),
			}),
			{ headers: { "Content-Type": "text/html; charset=utf-8" } },
		);
	}

	async #decision(request: Request): Promise<Response> {
		const form = new URLSearchParams(await request.text());
		const client = this.clients.find((candidate) => candidate.clientId === form.get("client_id"));
		const redirectURI = form.get("redirect_uri") ?? "";
		if (!client?.redirectURIs.includes(redirectURI)) return errorPage(400, "Invalid consent form.");
		const target = new URL(redirectURI);
		if (form.get("decision") === "accept") {
			const code = this.issueAuthorizationCode({
				clientId: client.clientId,
				redirectURI,
				scopes: (form.get("scope") ?? "").split(" ").filter(Boolean),
				accountId: form.get("account_id") ?? undefined,
				codeChallenge: form.get("code_challenge") ?? undefined,
				siteId: form.get("site_id") || undefined,
			});
			target.searchParams.set("code", code);
		} else {
			target.searchParams.set("error", "access_denied");
			target.searchParams.set("error_description", "User did not authorize the request");
		}
		const state = form.get("state");
		if (state !== null) target.searchParams.set("state", state);
		return new Response(null, { status: 302, headers: { Location: target.href } });
	}

	async #token(request: Request): Promise<Response> {
		const text = await request.text();
		let body: Record<string, unknown>;
		try {
			body = (request.headers.get("content-type") ?? "").includes("application/json")
				? (JSON.parse(text) as Record<string, unknown>)
				: Object.fromEntries(new URLSearchParams(text));
		} catch {
			return json({ error: "invalid_request", error_description: "Malformed request body" }, 400);
		}
		const client = this.clients.find((candidate) => candidate.clientId === body.client_id);
		if (!client || client.clientSecret !== body.client_secret) {
			return json({ error: "access_denied", error_description: "Unauthorized" }, 401);
		}
		if (body.grant_type === "authorization_code") return this.#exchangeCode(client, body);
		if (body.grant_type === "refresh_token") return this.#refresh(client, body);
		return json({ error: "unsupported_grant_type", error_description: "Unsupported grant type" }, 400);
	}

	#exchangeCode(client: EmulatedClient, body: Record<string, unknown>): Response {
		const code = this.#codes.get(String(body.code));
		if (!code || code.clientId !== client.clientId || code.expiresAt <= this.now()) {
			return json({ error: "invalid_grant", error_description: "Invalid authorization code" }, 403);
		}
		if (code.used) {
			// A replayed code revokes what it issued (RFC 6749 §4.1.2).
			if (code.familyId !== null) this.#revokedFamilies.add(code.familyId);
			return json({ error: "invalid_grant", error_description: "Invalid authorization code" }, 403);
		}
		if (body.redirect_uri !== code.redirectURI) {
			return json({ error: "invalid_grant", error_description: "Invalid authorization code" }, 403);
		}
		if (
			code.codeChallenge !== null &&
			(typeof body.code_verifier !== "string" || createCodeChallenge(CodeChallengeMethod.S256, body.code_verifier) !== code.codeChallenge)
		) {
			return json({ error: "invalid_grant", error_description: "Failed to verify code verifier" }, 403);
		}
		code.used = true;
		code.familyId = randomToken("family-");
		this.#grants.set(code.familyId, {
			consentedAt: this.now(),
			siteId: code.siteId,
			current: null,
			previous: null,
			previousRotatedAt: 0,
		});
		return json(this.#issueTokens(client.clientId, code.accountId, code.scopes, code.familyId));
	}

	#refresh(client: EmulatedClient, body: Record<string, unknown>): Response {
		const refreshToken = String(body.refresh_token);
		const record = this.#refreshTokens.get(refreshToken);
		const dead = { error: "invalid_grant", error_description: "Unknown or invalid refresh token." };
		const grant = record && this.#grants.get(record.familyId);
		if (!record || !grant || record.clientId !== client.clientId || this.#revokedFamilies.has(record.familyId)) return json(dead, 403);
		const now = this.now();
		if (now - grant.consentedAt > this.#refreshMaxLifetimeMs) return json(dead, 403);
		if (refreshToken === grant.current) {
			if (now - record.issuedAt > this.#refreshInactivityMs) return json(dead, 403);
			grant.previous = refreshToken;
			grant.previousRotatedAt = now;
			this.refreshStats.rotations++;
		} else if (refreshToken === grant.previous && now - grant.previousRotatedAt < this.#reuseIntervalMs) {
			// Atlassian's reuse interval: the immediately previous token buys one more new pair; the pair it
			// issued before is superseded (we model the strictest reading: using it later revokes the grant).
			this.refreshStats.reuses++;
		} else {
			// Any other reuse: the whole grant is revoked, and the user must consent again.
			this.#revokedFamilies.add(record.familyId);
			this.refreshStats.revocations++;
			return json(dead, 403);
		}
		return json(this.#issueTokens(client.clientId, record.accountId, record.scopes, record.familyId));
	}

	#issueTokens(clientId: string, accountId: string, scopes: string[], familyId: string): Record<string, unknown> {
		const accessToken = jwtShapedToken({
			sub: accountId,
			scope: scopes.join(" "),
			exp: Math.floor((this.now() + this.#accessTokenLifetimeMs) / 1000),
		});
		this.#accessTokens.set(accessToken, { accountId, scopes, expiresAt: this.now() + this.#accessTokenLifetimeMs, familyId });
		const response: Record<string, unknown> = {
			access_token: accessToken,
			expires_in: this.#accessTokenLifetimeMs / 1000,
			token_type: "Bearer",
			scope: scopes.join(" "),
		};
		if (scopes.includes("offline_access")) {
			const refreshToken = randomToken("emulator-rt-");
			this.#refreshTokens.set(refreshToken, { familyId, clientId, accountId, scopes, issuedAt: this.now() });
			const grant = this.#grants.get(familyId);
			if (grant) grant.current = refreshToken;
			response.refresh_token = refreshToken;
		}
		return response;
	}

	/** The token's record, or the 401 Atlassian answers for a missing, unknown, revoked or expired token. */
	#authenticate(request: Request): AccessTokenRecord | Response {
		const header = request.headers.get("authorization") ?? "";
		const record = header.startsWith("Bearer ") ? this.#accessTokens.get(header.slice(7)) : undefined;
		if (!record || record.expiresAt <= this.now() || this.#revokedFamilies.has(record.familyId)) {
			return json({ code: 401, message: "Unauthorized" }, 401);
		}
		return record;
	}

	#user(accountId: string): EmulatedUser | undefined {
		return this.users.find((user) => user.profile.account_id === accountId);
	}

	#grantedSites(token: AccessTokenRecord): { site: EmulatedSite; scopes: string[] }[] {
		const user = this.#user(token.accountId);
		const chosen = this.#grants.get(token.familyId)?.siteId ?? null;
		return this.sites
			.filter((site) => user?.siteIds.includes(site.id) && (chosen === null || site.id === chosen))
			.map((site) => ({ site, scopes: site.scopes.filter((scope) => token.scopes.includes(scope)) }))
			.filter(({ scopes }) => scopes.length > 0);
	}

	#me(request: Request): Response {
		const token = this.#authenticate(request);
		if (token instanceof Response) return token;
		if (!token.scopes.includes("read:me")) return scopeMismatch();
		return json(this.#user(token.accountId)?.profile ?? {});
	}

	#accessibleResources(request: Request): Response {
		const token = this.#authenticate(request);
		if (token instanceof Response) return token;
		return json(
			this.#grantedSites(token).map(({ site, scopes }) => ({
				id: site.id,
				url: site.url,
				name: site.name,
				scopes,
				avatarUrl: site.avatarUrl,
			})),
		);
	}

	async #gateway(request: Request, product: string, cloudId: string, path: string, url: URL): Promise<Response> {
		const token = this.#authenticate(request);
		if (token instanceof Response) return token;
		const limited = this.#countAgainstRateLimit();
		if (limited instanceof Response) return limited;
		const granted = this.#grantedSites(token).find(({ site }) => site.id === cloudId);
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
			user: this.#user(token.accountId)?.profile,
			base: `https://api.atlassian.com/ex/${product}/${granted.site.id}`,
		});
		for (const [name, value] of Object.entries(limited)) response.headers.set(name, value);
		return response;
	}

	/** The rate-limit headers for an admitted request, or the 429 once the window's budget is spent. */
	#countAgainstRateLimit(): Record<string, string> | Response {
		const limit = this.#rateLimit;
		if (limit === null) return {};
		const now = this.now();
		const windowMs = limit.windowSeconds * 1000;
		if (now - this.#rateWindow.startedAt >= windowMs) this.#rateWindow = { startedAt: now, count: 0 };
		const resetAt = this.#rateWindow.startedAt + windowMs;
		const headers = {
			"X-RateLimit-Limit": String(limit.limit),
			"X-RateLimit-Remaining": String(Math.max(0, limit.limit - this.#rateWindow.count - 1)),
			// Atlassian's format: ISO 8601 to the minute.
			"X-RateLimit-Reset": `${new Date(resetAt).toISOString().slice(0, 16)}Z`,
		};
		if (this.#rateWindow.count >= limit.limit) {
			return json({ code: 429, message: "Rate limit exceeded" }, 429, {
				...headers,
				"X-RateLimit-Remaining": "0",
				"Retry-After": String(Math.max(1, Math.ceil((resetAt - now) / 1000))),
				"RateLimit-Reason": limit.reason ?? "jira-burst-based",
			});
		}
		this.#rateWindow.count++;
		return headers;
	}
}
