import { describe, expect, it, vi } from "vitest";
import { ArcticFetchError, Atlassian, isReauthorizationRequired, RefreshOutcomeUnknownError, TokenManager } from "../../src/index.js";
import { DEFAULT_CLIENT } from "../../src/testing/index.js";
import { mayResend, SettledSends, untilResendMs } from "../../src/tokens/reuse-window.js";
import { rejection } from "../support/rejection.js";

import { emulatorSetup, isRefreshRequest, withResendDelaysSkipped } from "../support/token-manager-setup.js";

describe("Atlassian's reuse window: resending a refresh token whose answer was lost", () => {
	it("an answer lost after Atlassian rotated is recovered inside the reuse window with the same refresh token", async () => {
		let dropped = 0;
		const { emulator, store, manager } = await emulatorSetup({
			fetch: async (request, emulator) => {
				const refresh = await isRefreshRequest(request);
				const response = await emulator.handle(request);
				if (refresh && dropped++ === 0) throw new TypeError("fetch failed: socket hang up");
				return response;
			},
		});
		emulator.advanceTime(3500 * 1000);
		const accessToken = await manager.getAccessToken("conn");
		const stored = await store.get("conn");
		expect(stored?.accessToken).toBe(accessToken);
		expect(emulator.isRefreshTokenCurrent(stored?.refreshToken ?? "")).toBe(true);
		expect(emulator.refreshStats).toEqual({ rotations: 1, reuses: 1, revocations: 0 });
	});

	it("another process finding a sent mark inside the window resends the same refresh token and keeps the grant", async () => {
		const { emulator, store, manager } = await emulatorSetup({
			fetch: async (request, emulator) => {
				const refresh = await isRefreshRequest(request);
				const response = await emulator.handle(request);
				if (refresh) throw new TypeError("fetch failed: socket hang up");
				return response;
			},
		});
		emulator.advanceTime(3500 * 1000);
		expect(await withResendDelaysSkipped(() => rejection(manager.refresh("conn")))).toBeInstanceOf(ArcticFetchError); // every answer lost
		const marked = await store.get("conn");
		expect(marked?.refreshSentAt).toBeTypeOf("number");
		// Another worker, a few minutes later: Atlassian honours the previous refresh token once more.
		emulator.advanceTime(4 * 60 * 1000);
		const other = new TokenManager(
			new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, DEFAULT_CLIENT.redirectURIs[0] as string, {
				hosts: { authorizationServer: "https://emulator.test", apiGateway: "https://emulator.test" },
				fetch: (input, init) => emulator.handle(new Request(input, init)),
			}),
			{ store, now: () => emulator.now() },
		);
		const refreshed = await other.getAccessToken("conn");
		const stored = await store.get("conn");
		expect(stored).toMatchObject({ accessToken: refreshed });
		expect(stored?.refreshSentAt).toBeUndefined();
		expect(emulator.isRefreshTokenCurrent(stored?.refreshToken ?? "")).toBe(true);
		expect(emulator.refreshStats.revocations).toBe(0);
	});

	it("outside the reuse window it reports the outcome unknown without sending; retryUnknownOutcome accepts the risk", async () => {
		const onRefreshFailed = vi.fn();
		let failing = true;
		const { emulator, store, manager } = await emulatorSetup({
			onRefreshFailed,
			fetch: async (request, emulator) => {
				if (failing && (await isRefreshRequest(request))) throw new TypeError("fetch failed: connect ECONNREFUSED");
				return emulator.handle(request);
			},
		});
		emulator.advanceTime(3500 * 1000);
		await withResendDelaysSkipped(() => rejection(manager.refresh("conn")));
		emulator.advanceTime(11 * 60 * 1000);
		failing = false;
		const requests = emulator.requests.length;
		const unknown = await rejection(manager.getAccessToken("conn"));
		expect(unknown).toBeInstanceOf(RefreshOutcomeUnknownError);
		expect((unknown as RefreshOutcomeUnknownError).sentAt).toBe((await store.get("conn"))?.refreshSentAt);
		expect(isReauthorizationRequired(unknown)).toBe(false);
		expect(emulator.requests.length).toBe(requests);
		expect(onRefreshFailed).toHaveBeenLastCalledWith("conn", unknown);
		// This time the refresh never reached Atlassian, so accepting the risk works.
		const refreshed = await manager.refresh("conn", { retryUnknownOutcome: true });
		expect(emulator.isRefreshTokenCurrent(refreshed.refreshToken ?? "")).toBe(true);
	});
});

describe("reuse-window rules", () => {
	const marked = (refreshSentAt: number | undefined, refreshDeadline?: number) => ({
		accessToken: "a",
		refreshToken: "r",
		expiresAt: 0,
		scopes: [],
		version: 1,
		refreshSentAt,
		refreshDeadline,
	});

	it("mayResend allows a resend up to 9 of Atlassian's 10 minutes after the first send", () => {
		expect(mayResend(0, 9 * 60_000 - 1)).toBe(true);
		expect(mayResend(0, 9 * 60_000)).toBe(false);
		expect(mayResend(0, 8 * 60_000, 60_000)).toBe(false);
	});

	it("untilResendMs waits for another send's deadline plus 5 s; an old mark without a deadline had 30 s", () => {
		expect(untilResendMs(marked(undefined), 0)).toBe(0);
		expect(untilResendMs(marked(1_000, 11_000), 1_000)).toBe(15_000);
		expect(untilResendMs(marked(1_000, 11_000), 20_000)).toBe(0);
		expect(untilResendMs(marked(0), 0)).toBe(35_000);
	});

	it("SettledSends remembers the last settled version per key, and forgets", () => {
		const settled = new SettledSends();
		settled.remember("k", 3);
		expect(settled.has("k", 3)).toBe(true);
		expect(settled.has("k", 4)).toBe(false);
		settled.remember("k", 4);
		expect(settled.has("k", 3)).toBe(false);
		settled.forget("k");
		expect(settled.has("k", 4)).toBe(false);
	});
});
