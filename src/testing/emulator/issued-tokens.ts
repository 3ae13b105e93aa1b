import { encodeBase64urlNoPadding } from "../../internal/base64url.js";

/** What the emulator knows of an access token it issued. */
export interface AccessTokenRecord {
	accountId: string;
	scopes: string[];
	expiresAt: number;
	/** The grant (consent) it belongs to. */
	familyId: string;
}

/** An opaque, unguessable token with a readable prefix. */
export function randomToken(prefix: string): string {
	return `${prefix}${encodeBase64urlNoPadding(crypto.getRandomValues(new Uint8Array(24)))}`;
}

const base64urlJSON = (value: unknown) => encodeBase64urlNoPadding(new TextEncoder().encode(JSON.stringify(value)));

/**
 * An access token shaped like Atlassian's: a JWT of three base64url segments, well over 1 KB, so code that
 * stores, logs or sends tokens meets their real size. Not verifiable: the emulator only looks tokens up.
 */
export function jwtShapedToken(claims: Record<string, unknown>): string {
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
