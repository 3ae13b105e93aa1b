// The TokenManager set-ups the tests of src/tokens/ share: one on a scripted rotating token endpoint, one on the emulator.
import { vi } from "vitest";
import {
	Atlassian,
	MemoryTokenStore,
	OAuth2Tokens,
	type StoredTokenSet,
	TokenManager,
	type TokenManagerOptions,
	type TokenStore,
} from "../../src/index.js";
import { AtlassianEmulator, DEFAULT_CLIENT } from "../../src/testing/index.js";
import { RotatingTokenEndpoint } from "./rotating-token-endpoint.js";

export function setup(
	options: Partial<Omit<TokenManagerOptions, "store">> & {
		expiresInSeconds?: number;
		timeoutMs?: number;
		store?: TokenStore;
		/** Awaited after each request has reached the endpoint and before it answers: a slow Atlassian. */
		beforeAnswer?: () => Promise<void>;
	} = {},
) {
	const endpoint = new RotatingTokenEndpoint();
	const store = options.store ?? new MemoryTokenStore();
	const { beforeAnswer } = options;
	const fetch: typeof endpoint.fetch = beforeAnswer
		? async (input, init) => {
				await beforeAnswer();
				return endpoint.fetch(input, init);
			}
		: endpoint.fetch;
	const atlassian = new Atlassian("id", "secret", "https://app.example/cb", { fetch, timeoutMs: options.timeoutMs });
	const refreshed: StoredTokenSet[] = [];
	const manager = new TokenManager(atlassian, {
		...options,
		store,
		onRefresh: (_key, tokens) => {
			refreshed.push(tokens);
		},
	});
	const signIn = (expiresIn = options.expiresInSeconds ?? 60) =>
		manager.save(
			"conn",
			new OAuth2Tokens({ access_token: "at-0", refresh_token: "rt-0", expires_in: expiresIn, scope: "read:me offline_access" }),
		);
	return { endpoint, store, manager, refreshed, signIn };
}

/** A TokenManager on the emulator (Atlassian's 10-minute reuse window) with a clock both share. */
export async function emulatorSetup(
	options: { emulator?: AtlassianEmulator; fetch?: (request: Request, emulator: AtlassianEmulator) => Promise<Response> } & Partial<
		Omit<TokenManagerOptions, "store" | "now">
	> = {},
) {
	const emulator = options.emulator ?? new AtlassianEmulator();
	const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, DEFAULT_CLIENT.redirectURIs[0] as string, {
		hosts: { authorizationServer: "https://emulator.test", apiGateway: "https://emulator.test" },
		fetch: (input, init) => (options.fetch ?? ((request) => emulator.handle(request)))(new Request(input, init), emulator),
	});
	const store = new MemoryTokenStore();
	const manager = new TokenManager(atlassian, { ...options, store, now: () => emulator.now() });
	const code = emulator.issueAuthorizationCode({
		redirectURI: DEFAULT_CLIENT.redirectURIs[0] as string,
		scopes: ["read:me", "offline_access"],
	});
	await manager.save("conn", await atlassian.validateAuthorizationCode(code));
	return { emulator, store, manager };
}

/** Runs `call` with fake timers, fast-forwarding the resend delays (250 ms, 1 s, 4 s) instead of waiting them out. */
export async function withResendDelaysSkipped<T>(call: () => Promise<T>): Promise<T> {
	vi.useFakeTimers({ toFake: ["setTimeout"] });
	try {
		const pending = call();
		pending.catch(() => {});
		await vi.advanceTimersByTimeAsync(10_000);
		return await pending;
	} finally {
		vi.useRealTimers();
	}
}

/** A refresh request (not the sign-in's code exchange), which fault-injecting fetches act on. */
export const isRefreshRequest = async (request: Request) =>
	new URL(request.url).pathname === "/oauth/token" && (await request.clone().text()).includes('"grant_type":"refresh_token"');
