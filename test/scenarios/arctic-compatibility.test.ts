// Arctic v3's public API is our compatibility contract: code written against `arctic@3.7.0` must
// compile and behave the same after `from "arctic"` becomes `from "atlassian-3lo"`, except where the
// README's "Migrating from Arctic" section lists a deliberate difference. Checked here side by side.
import * as arctic from "arctic";
import { describe, expect, expectTypeOf, it } from "vitest";
import * as ours from "../../src/index.js";

// ---- Types: every public member of Arctic's classes exists in ours, accepts Arctic's arguments and
// returns something usable where Arctic's result was expected. (TypeScript `private` members are not
// part of the contract, and `keyof` does not see them.)

// biome-ignore lint/suspicious/noExplicitAny: any function shape
type AnyFunction = (...args: any[]) => any;
// Each library has its own CodeChallengeMethod enum; after migrating, code uses ours, with the same members.
type Migrated<T> = T extends arctic.CodeChallengeMethod ? ours.CodeChallengeMethod : T;
type MigratedArguments<T extends unknown[]> = { [I in keyof T]: Migrated<T[I]> };
// Tuples keep the checks from distributing over unions such as Error's optional `stack?: string`.
type MemberCompatible<Ours, Theirs> = [Theirs] extends [AnyFunction]
	? [Ours] extends [AnyFunction]
		? MigratedArguments<Parameters<Theirs>> extends Parameters<Ours>
			? [ReturnType<Ours>] extends [ReturnType<Theirs>]
				? true
				: false
			: false
		: false
	: [Ours] extends [Theirs]
		? true
		: false;
/** The names of Arctic's public members that ours lacks or types incompatibly; `never` when compatible. */
type Incompatible<Ours, Theirs> = {
	[K in keyof Theirs]-?: K extends keyof Ours ? (MemberCompatible<Ours[K], Theirs[K]> extends true ? never : K) : K;
}[keyof Theirs];
type ConstructorCompatible<Ours extends abstract new (...args: never) => unknown, Theirs extends abstract new (...args: never) => unknown> =
	MigratedArguments<ConstructorParameters<Theirs>> extends ConstructorParameters<Ours> ? true : false;

describe("Arctic's public types", () => {
	it("classes: same constructors, every public member compatible", () => {
		expectTypeOf<Incompatible<ours.Atlassian, arctic.Atlassian>>().toEqualTypeOf<never>();
		expectTypeOf<Incompatible<ours.OAuth2Client, arctic.OAuth2Client>>().toEqualTypeOf<never>();
		expectTypeOf<Incompatible<ours.OAuth2Tokens, arctic.OAuth2Tokens>>().toEqualTypeOf<never>();
		expectTypeOf<Incompatible<ours.OAuth2RequestError, arctic.OAuth2RequestError>>().toEqualTypeOf<never>();
		expectTypeOf<Incompatible<ours.ArcticFetchError, arctic.ArcticFetchError>>().toEqualTypeOf<never>();
		expectTypeOf<Incompatible<ours.UnexpectedResponseError, arctic.UnexpectedResponseError>>().toEqualTypeOf<never>();
		expectTypeOf<Incompatible<ours.UnexpectedErrorResponseBodyError, arctic.UnexpectedErrorResponseBodyError>>().toEqualTypeOf<never>();
		expectTypeOf<ConstructorCompatible<typeof ours.Atlassian, typeof arctic.Atlassian>>().toEqualTypeOf<true>();
		expectTypeOf<ConstructorCompatible<typeof ours.OAuth2Client, typeof arctic.OAuth2Client>>().toEqualTypeOf<true>();
		expectTypeOf<ConstructorCompatible<typeof ours.OAuth2Tokens, typeof arctic.OAuth2Tokens>>().toEqualTypeOf<true>();
		expectTypeOf<ConstructorCompatible<typeof ours.OAuth2RequestError, typeof arctic.OAuth2RequestError>>().toEqualTypeOf<true>();
		expectTypeOf<ConstructorCompatible<typeof ours.ArcticFetchError, typeof arctic.ArcticFetchError>>().toEqualTypeOf<true>();
		expectTypeOf<ConstructorCompatible<typeof ours.UnexpectedResponseError, typeof arctic.UnexpectedResponseError>>().toEqualTypeOf<true>();
		expectTypeOf<
			ConstructorCompatible<typeof ours.UnexpectedErrorResponseBodyError, typeof arctic.UnexpectedErrorResponseBodyError>
		>().toEqualTypeOf<true>();
	});

	it("functions and the PKCE enum", () => {
		expectTypeOf(ours.generateState).toEqualTypeOf(arctic.generateState);
		expectTypeOf(ours.generateCodeVerifier).toEqualTypeOf(arctic.generateCodeVerifier);
		expect({ ...ours.CodeChallengeMethod }).toEqual({ ...arctic.CodeChallengeMethod });
	});

	it("the compatibility check itself fails for an incompatible member", () => {
		class Narrower {
			createAuthorizationURL(state: string): URL {
				return new URL(`https://x.example/?state=${state}`);
			}
		}
		expectTypeOf<Incompatible<Narrower, arctic.Atlassian>>().toEqualTypeOf<
			"createAuthorizationURL" | "validateAuthorizationCode" | "refreshAccessToken"
		>();
	});
});

// ---- Behaviour: the same calls against the same token endpoint, one library after the other. Arctic
// only uses the global fetch, so both run through the same stub installed there (msw is not used here:
// Arctic's `response.body.cancel()` on an unexpected status never settles under msw's interceptor).

const TOKEN_ENDPOINT = "https://auth.atlassian.com/oauth/token";
const REDIRECT_URI = "https://app.example/login/atlassian/callback";
const theirs = new arctic.Atlassian("client-id", "client-secret", REDIRECT_URI);
const mine = new ours.Atlassian("client-id", "client-secret", REDIRECT_URI);

interface ReceivedRequest {
	url: string;
	authorization: string | null;
	parameters: Record<string, string>;
}

/** Runs `call` with a global fetch that answers `respond()` and records each request, whatever its body encoding. */
async function withTokenEndpoint<T>(respond: () => Response, call: () => Promise<T>): Promise<{ result: T; received: ReceivedRequest[] }> {
	const received: ReceivedRequest[] = [];
	const original = globalThis.fetch;
	globalThis.fetch = async (input, init) => {
		const request = new Request(input, init);
		const text = await request.text();
		const json = (request.headers.get("content-type") ?? "").includes("json");
		received.push({
			url: request.url,
			authorization: request.headers.get("authorization"),
			parameters: json ? JSON.parse(text) : Object.fromEntries(new URLSearchParams(text)),
		});
		return respond();
	};
	try {
		return { result: await call(), received };
	} finally {
		globalThis.fetch = original;
	}
}

/** What a call ended in, reduced to what user code can observe: the class, its fields, or the tokens. */
async function outcome(respond: () => Response, call: () => Promise<ours.OAuth2Tokens | arctic.OAuth2Tokens>) {
	const { result } = await withTokenEndpoint(respond, async () => {
		try {
			const tokens = await call();
			return { tokens: { accessToken: tokens.accessToken(), data: tokens.data } };
		} catch (error) {
			const { message: _message, stack: _stack, cause: _cause, name: _name, status, ...fields } = error as Error & Record<string, unknown>;
			// Arctic's errors keep Error's `name`; ours name their class. `status` is new on OAuth2RequestError.
			return {
				error: (error as Error).constructor.name,
				fields: error instanceof ours.OAuth2RequestError ? fields : { ...fields, status },
			};
		}
	});
	return result;
}

describe("Arctic's behaviour, side by side", () => {
	it("builds the same authorization URL", () => {
		const scopes = ["read:me", "read:jira-work", "offline_access"];
		const a = theirs.createAuthorizationURL("the-state", scopes);
		const b = mine.createAuthorizationURL("the-state", scopes);
		expect(b.origin + b.pathname).toBe(a.origin + a.pathname);
		expect([...b.searchParams].sort()).toEqual([...a.searchParams].sort());
	});

	it("sends the same token-request parameters (Arctic form-encodes them, we send the JSON Atlassian documents)", async () => {
		const tokenResponse = () => Response.json({ access_token: "at", token_type: "Bearer" });
		const requests = async (library: arctic.Atlassian | ours.Atlassian) => {
			const { received } = await withTokenEndpoint(tokenResponse, async () => {
				await library.validateAuthorizationCode("the-code");
				await library.refreshAccessToken("the-refresh-token");
			});
			return received;
		};
		const theirRequests = await requests(theirs);
		expect(await requests(mine)).toEqual(theirRequests);
		expect(theirRequests).toEqual([
			{
				url: TOKEN_ENDPOINT,
				authorization: null,
				parameters: {
					grant_type: "authorization_code",
					code: "the-code",
					redirect_uri: REDIRECT_URI,
					client_id: "client-id",
					client_secret: "client-secret",
				},
			},
			{
				url: TOKEN_ENDPOINT,
				authorization: null,
				parameters: {
					grant_type: "refresh_token",
					refresh_token: "the-refresh-token",
					client_id: "client-id",
					client_secret: "client-secret",
				},
			},
		]);
	});

	const html = (status: number) => () => new Response("<html>Bad</html>", { status, headers: { "Content-Type": "text/html" } });
	const sameOutcome: [string, () => Response][] = [
		[
			"a token response",
			() =>
				Response.json({ access_token: "at", token_type: "Bearer", expires_in: 3600, refresh_token: "rt", scope: "read:me offline_access" }),
		],
		["400 invalid_grant", () => Response.json({ error: "invalid_grant", error_description: "Unknown refresh token" }, { status: 400 })],
		["401 access_denied", () => Response.json({ error: "access_denied", error_description: "Unauthorized" }, { status: 401 })],
		["400 with a non-OAuth JSON body", () => Response.json({ message: "nope" }, { status: 400 })],
		["400 with an HTML body", html(400)],
		["502 with an HTML body", html(502)],
		["200 with an HTML body", html(200)],
		["200 with a JSON string", () => Response.json("surprise")],
		[
			"a network failure",
			() => {
				throw new TypeError("fetch failed");
			},
		],
	];

	it.each(sameOutcome)("%s ends the same way in both", async (_, respond) => {
		const expected = await outcome(respond, () => theirs.refreshAccessToken("the-refresh-token"));
		const actual = await outcome(respond, () => mine.refreshAccessToken("the-refresh-token"));
		expect(actual).toEqual(expected);
	});

	it("differs where the README says so: Atlassian's 403 invalid_grant is an OAuth2RequestError, not an UnexpectedResponseError", async () => {
		const forbidden = () =>
			Response.json({ error: "invalid_grant", error_description: "Unknown or invalid refresh token." }, { status: 403 });
		expect(await outcome(forbidden, () => theirs.refreshAccessToken("rt"))).toEqual({
			error: "UnexpectedResponseError",
			fields: { status: 403 },
		});
		expect(await outcome(forbidden, () => mine.refreshAccessToken("rt"))).toEqual({
			error: "OAuth2RequestError",
			fields: { code: "invalid_grant", description: "Unknown or invalid refresh token.", uri: null, state: null },
		});
	});
});

describe("Arctic's OAuth2Client, side by side", () => {
	const AUTHORIZATION_ENDPOINT = "https://idp.example/authorize";
	const ENDPOINT = "https://idp.example/token";
	const verifier = ours.generateCodeVerifier();
	const clients = (password: string | null) =>
		[new arctic.OAuth2Client("client-id", password, REDIRECT_URI), new ours.OAuth2Client("client-id", password, REDIRECT_URI)] as const;
	const tokenResponse = () => Response.json({ access_token: "at", token_type: "Bearer" });

	it.each([
		["S256", arctic.CodeChallengeMethod.S256, ours.CodeChallengeMethod.S256],
		["plain", arctic.CodeChallengeMethod.Plain, ours.CodeChallengeMethod.Plain],
	] as const)("builds the same %s PKCE authorization URL", (_, theirMethod, ourMethod) => {
		const [a, b] = clients("secret");
		const theirURL = a.createAuthorizationURLWithPKCE(AUTHORIZATION_ENDPOINT, "st", theirMethod, verifier, ["openid", "email"]);
		const ourURL = b.createAuthorizationURLWithPKCE(AUTHORIZATION_ENDPOINT, "st", ourMethod, verifier, ["openid", "email"]);
		expect([...ourURL.searchParams].sort()).toEqual([...theirURL.searchParams].sort());
		expect([...b.createAuthorizationURL(AUTHORIZATION_ENDPOINT, "st", []).searchParams].sort()).toEqual(
			[...a.createAuthorizationURL(AUTHORIZATION_ENDPOINT, "st", []).searchParams].sort(),
		);
	});

	it.each([
		["a confidential client (Basic credentials)", "client-secret"],
		["a public client", null],
	])("%s sends the same code exchange, refresh and revocation", async (_, password) => {
		const requests = async (client: arctic.OAuth2Client | ours.OAuth2Client) => {
			const { received } = await withTokenEndpoint(tokenResponse, async () => {
				await client.validateAuthorizationCode(ENDPOINT, "the-code", verifier);
				await client.refreshAccessToken(ENDPOINT, "the-refresh-token", ["a", "b"]);
				await client.revokeToken(ENDPOINT, "the-token");
			});
			return received;
		};
		const [a, b] = clients(password);
		const theirRequests = await requests(a);
		expect(theirRequests).toHaveLength(3);
		expect(await requests(b)).toEqual(theirRequests);
	});
});
