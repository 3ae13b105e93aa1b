import { CodeChallengeMethod, createCodeChallenge } from "../../oauth2/pkce.js";
import type { EmulatedClient, EmulatedSite, EmulatedUser } from "../fixtures.js";
import type { EmulatorClock } from "./clock.js";
import { type AccessTokenRecord, jwtShapedToken, randomToken } from "./issued-tokens.js";
import { json } from "./json-response.js";

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

/** A code issued as if the user had clicked Accept. */
export interface IssuedCodeOptions {
	/** Default: the first client's. */
	clientId?: string;
	redirectURI: string;
	scopes: string[];
	/** Default: the first user's. */
	accountId?: string;
	/** A PKCE S256 challenge: the exchange must then send the matching `code_verifier`. */
	codeChallenge?: string;
	/** The site chosen on the consent page: the grant reaches only it. Default: every site of the user. */
	siteId?: string;
}

/** The authorization server's settings, in ms. */
export interface AuthorizationServerOptions {
	accessTokenLifetimeMs: number;
	refreshInactivityMs: number;
	refreshMaxLifetimeMs: number;
	reuseIntervalMs: number;
	audiences: string[];
}

/** The parties the emulator knows: registered apps, users and sites. */
export interface EmulatedDirectory {
	readonly clients: EmulatedClient[];
	readonly users: EmulatedUser[];
	readonly sites: EmulatedSite[];
}

/**
 * auth.atlassian.com: the consent page (`/authorize`), the token endpoint (`/oauth/token`: code exchange and
 * rotating refresh with Atlassian's reuse interval), grants, and the access tokens the other rooms authenticate.
 */
export class EmulatedAuthorizationServer {
	/** Refresh outcomes: normal rotations, exchanges of the previous token inside the reuse interval, and grants revoked for reuse. */
	public readonly refreshStats = { rotations: 0, reuses: 0, revocations: 0 };
	readonly #directory: EmulatedDirectory;
	readonly #clock: EmulatorClock;
	readonly #options: AuthorizationServerOptions;
	readonly #grants = new Map<string, Grant>();
	readonly #codes = new Map<string, AuthorizationCode>();
	readonly #accessTokens = new Map<string, AccessTokenRecord>();
	readonly #refreshTokens = new Map<string, RefreshTokenRecord>();
	readonly #revokedFamilies = new Set<string>();

	constructor(directory: EmulatedDirectory, clock: EmulatorClock, options: AuthorizationServerOptions) {
		this.#directory = directory;
		this.#clock = clock;
		this.#options = options;
	}

	get clients(): EmulatedClient[] {
		return this.#directory.clients;
	}

	get users(): EmulatedUser[] {
		return this.#directory.users;
	}

	get sites(): EmulatedSite[] {
		return this.#directory.sites;
	}

	/** `audience` values `/authorize` accepts besides the emulator's own host. */
	get audiences(): string[] {
		return this.#options.audiences;
	}

	/** Whether `refreshToken` is the one its grant honours now: the newest, of a grant that is not revoked. */
	public isRefreshTokenCurrent(refreshToken: string): boolean {
		const record = this.#refreshTokens.get(refreshToken);
		return (
			record !== undefined && !this.#revokedFamilies.has(record.familyId) && this.#grants.get(record.familyId)?.current === refreshToken
		);
	}

	/** Issues a code as if `accountId` had clicked Accept. */
	public issueAuthorizationCode(options: IssuedCodeOptions): string {
		const code = randomToken("code-");
		this.#codes.set(code, {
			clientId: options.clientId ?? this.clients[0]?.clientId ?? "",
			redirectURI: options.redirectURI,
			accountId: options.accountId ?? this.users[0]?.profile.account_id ?? "",
			scopes: options.scopes,
			expiresAt: this.#clock.now() + 10 * 60 * 1000,
			used: false,
			familyId: null,
			codeChallenge: options.codeChallenge ?? null,
			siteId: options.siteId ?? null,
		});
		return code;
	}

	/** Revokes the grant `refreshToken` belongs to (any token of it, spent or current); `false` when it issued no such token. */
	public revokeGrant(refreshToken: string): boolean {
		const record = this.#refreshTokens.get(refreshToken);
		if (record === undefined) return false;
		this.#revokedFamilies.add(record.familyId);
		return true;
	}

	/** Revokes every token of every grant, as Atlassian does when a user removes the app or changes their password. */
	public revokeAllTokens(): void {
		for (const record of this.#refreshTokens.values()) {
			this.#revokedFamilies.add(record.familyId);
		}
	}

	/** The site the user chose when consenting to the token's grant; `null`: all of theirs. */
	public grantedSiteId(token: AccessTokenRecord): string | null {
		return this.#grants.get(token.familyId)?.siteId ?? null;
	}

	/** `POST /oauth/token`: the authorization-code and refresh-token grants. */
	public async token(request: Request): Promise<Response> {
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
		if (!code || code.clientId !== client.clientId || code.expiresAt <= this.#clock.now()) {
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
			consentedAt: this.#clock.now(),
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
		const now = this.#clock.now();
		if (now - grant.consentedAt > this.#options.refreshMaxLifetimeMs) return json(dead, 403);
		if (refreshToken === grant.current) {
			if (now - record.issuedAt > this.#options.refreshInactivityMs) return json(dead, 403);
			grant.previous = refreshToken;
			grant.previousRotatedAt = now;
			this.refreshStats.rotations++;
		} else if (refreshToken === grant.previous && now - grant.previousRotatedAt < this.#options.reuseIntervalMs) {
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
			exp: Math.floor((this.#clock.now() + this.#options.accessTokenLifetimeMs) / 1000),
		});
		this.#accessTokens.set(accessToken, {
			accountId,
			scopes,
			expiresAt: this.#clock.now() + this.#options.accessTokenLifetimeMs,
			familyId,
		});
		const response: Record<string, unknown> = {
			access_token: accessToken,
			expires_in: this.#options.accessTokenLifetimeMs / 1000,
			token_type: "Bearer",
			scope: scopes.join(" "),
		};
		if (scopes.includes("offline_access")) {
			const refreshToken = randomToken("emulator-rt-");
			this.#refreshTokens.set(refreshToken, { familyId, clientId, accountId, scopes, issuedAt: this.#clock.now() });
			const grant = this.#grants.get(familyId);
			if (grant) grant.current = refreshToken;
			response.refresh_token = refreshToken;
		}
		return response;
	}

	/** The token's record, or the 401 Atlassian answers for a missing, unknown, revoked or expired token. */
	public authenticate(request: Request): AccessTokenRecord | Response {
		const header = request.headers.get("authorization") ?? "";
		const record = header.startsWith("Bearer ") ? this.#accessTokens.get(header.slice(7)) : undefined;
		if (!record || record.expiresAt <= this.#clock.now() || this.#revokedFamilies.has(record.familyId)) {
			return json({ code: 401, message: "Unauthorized" }, 401);
		}
		return record;
	}
}
