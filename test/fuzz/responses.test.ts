import { inspect } from "node:util";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
	ArcticFetchError,
	Atlassian,
	AtlassianAPIError,
	AuthorizationCallbackError,
	OAuth2RequestError,
	OAuth2Tokens,
	UnexpectedErrorResponseBodyError,
	UnexpectedResponseError,
	validateAuthorizationCallback,
} from "../../src/index.js";

// Property tests: whatever a server answers, the outcome is a result or one of the typed errors, never
// another exception, never a hang, never a secret. CI runs 10 000 cases per property (FUZZ_RUNS); on a
// failure fast-check prints the seed and path, replayable with fc.assert(..., { seed, path }).
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_000);
const SECRET = "fuzz-Cl1ent-S3cret_value";
const ACCESS_TOKEN = "fuzz-access-token-Xq9";

const secretish = fc.constantFrom(SECRET, ACCESS_TOKEN, `client_secret=${SECRET}`, encodeURIComponent(SECRET));
const text = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), secretish);
const nearMissToken = fc.record(
	{
		access_token: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string()), secretish),
		token_type: fc.oneof(fc.constant("Bearer"), fc.integer()),
		expires_in: fc.oneof(fc.integer(), fc.double(), fc.string()),
		refresh_token: fc.oneof(fc.string(), fc.constant(null)),
		scope: fc.oneof(fc.string(), fc.integer()),
	},
	{ requiredKeys: [] },
);
const nearMissError = fc.record(
	{
		error: fc.oneof(fc.constantFrom("invalid_grant", "access_denied", ""), fc.string(), fc.integer(), fc.constant(null), secretish),
		error_description: fc.oneof(text, fc.integer(), fc.constant(null)),
		error_uri: fc.oneof(fc.webUrl(), fc.integer()),
		state: fc.oneof(fc.string(), fc.boolean()),
	},
	{ requiredKeys: [] },
);
const nearMissUser = fc.record(
	{
		account_id: fc.oneof(fc.string(), fc.integer()),
		account_type: fc.string(),
		name: fc.oneof(text, fc.constant(null)),
		picture: fc.string(),
		account_status: fc.string(),
		email: fc.oneof(fc.string(), fc.integer()),
		extended_profile: fc.oneof(fc.object(), fc.string()),
	},
	{ requiredKeys: [] },
);
const deepNesting = fc.integer({ min: 1, max: 20_000 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`);
const hugeString = fc
	.constantFrom(1024 * 1024 - 20, 1024 * 1024 + 1, 3 * 1024 * 1024)
	.map((length) => `{"access_token":"${"a".repeat(length)}"}`);

const body: fc.Arbitrary<string | Uint8Array> = fc.oneof(
	fc.uint8Array({ maxLength: 512 }),
	fc.json().map((value) => value),
	fc.jsonValue().map((value) => JSON.stringify(value)),
	nearMissToken.map((value) => JSON.stringify(value)),
	nearMissError.map((value) => JSON.stringify(value)),
	nearMissUser.map((value) => JSON.stringify(value)),
	text,
	deepNesting,
	hugeString,
);
const status = fc.oneof(
	fc.constantFrom(200, 201, 204, 301, 302, 400, 401, 403, 404, 429, 500, 502, 503),
	fc.integer({ min: 200, max: 599 }),
);
const contentType = fc.oneof(
	fc.constantFrom("application/json", "application/json; charset=utf-8", "text/html", "text/plain", ""),
	fc.string(),
);

function respondWith(status: number, contentType: string, body: string | Uint8Array) {
	return async () => {
		// 204, 205 and 304 cannot carry a body.
		const payload = [204, 205, 304].includes(status) ? null : body;
		const headers = new Headers();
		try {
			headers.set("Content-Type", contentType);
		} catch {
			// An invalid header value: send none, as a broken server might.
		}
		return new Response(payload as BodyInit | null, { status, headers });
	};
}

function expectNoSecret(error: unknown, secrets: string[]) {
	let serialised = "";
	try {
		serialised = JSON.stringify(error) ?? "";
	} catch {
		// Too deep to serialise: inspect() below still sees the data.
	}
	const outputs = [String(error), (error as Error).stack ?? "", serialised, inspect(error, { depth: 6, showHidden: true })];
	for (const output of outputs) for (const secret of secrets) expect(output.includes(secret)).toBe(false);
}

const TOKEN_ERRORS = [OAuth2RequestError, ArcticFetchError, UnexpectedResponseError, UnexpectedErrorResponseBodyError];

/**
 * The stub always answers at once, so a network-level failure can only mean a hang that hit the deadline
 * or an exception of our own wrapped as one: either is a bug, and is reported with its cause.
 */
function expectNoTransportFailure(error: unknown) {
	if (error instanceof ArcticFetchError) {
		throw new Error(`the stubbed exchange failed at the transport level: ${String(error.cause)}`);
	}
}

describe("fuzzing", () => {
	it(`token endpoint: any status × content type × body → OAuth2Tokens or a typed error, without the secret (${RUNS} runs)`, async () => {
		await fc.assert(
			fc.asyncProperty(status, contentType, body, fc.boolean(), async (status, contentType, body, refresh) => {
				const atlassian = new Atlassian("client-id", SECRET, "https://app.example/callback", {
					fetch: respondWith(status, contentType, body),
					timeoutMs: 5_000,
				});
				try {
					const tokens = await (refresh ? atlassian.refreshAccessToken("rt") : atlassian.validateAuthorizationCode("code"));
					expect(tokens).toBeInstanceOf(OAuth2Tokens);
					expect(status).toBe(200);
				} catch (error) {
					expect(TOKEN_ERRORS.some((errorClass) => error instanceof errorClass)).toBe(true);
					expectNoTransportFailure(error);
					expectNoSecret(error, [SECRET]);
				}
			}),
			{ numRuns: RUNS },
		);
	}, 600_000);

	it(`resource server: any response → AtlassianUser or a typed error, without the access token (${RUNS} runs)`, async () => {
		await fc.assert(
			fc.asyncProperty(status, contentType, body, async (status, contentType, body) => {
				const atlassian = new Atlassian("client-id", SECRET, "https://app.example/callback", {
					fetch: respondWith(status, contentType, body),
					timeoutMs: 5_000,
				});
				try {
					const user = await atlassian.getUser(ACCESS_TOKEN);
					expect(typeof user.account_id).toBe("string");
				} catch (error) {
					expect([AtlassianAPIError, ...TOKEN_ERRORS].some((errorClass) => error instanceof errorClass)).toBe(true);
					expectNoTransportFailure(error);
					expectNoSecret(error, [ACCESS_TOKEN, SECRET]);
				}
			}),
			{ numRuns: RUNS },
		);
	}, 600_000);

	it(`callback validation: any query string → a code or a typed error (${RUNS} runs)`, () => {
		const storedState = "stored-state-value";
		const parameter = fc.tuple(
			fc.constantFrom("code", "state", "error", "error_description", "error_uri", "x"),
			fc.oneof(fc.string(), fc.constant(storedState)),
		);
		fc.assert(
			fc.property(fc.array(parameter, { maxLength: 6 }), fc.oneof(fc.constant(storedState), fc.string()), (parameters, stored) => {
				const query = new URLSearchParams(parameters).toString();
				try {
					const code = validateAuthorizationCallback(`?${query}`, stored);
					expect(typeof code).toBe("string");
					expect(code.length).toBeGreaterThan(0);
					expect(new URLSearchParams(query).get("state")).toBe(stored);
				} catch (error) {
					expect(error instanceof AuthorizationCallbackError || error instanceof OAuth2RequestError).toBe(true);
				}
			}),
			{ numRuns: RUNS },
		);
	});
});
