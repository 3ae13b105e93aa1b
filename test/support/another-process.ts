import type { StoredTokenSet, TokenStore, TokenStoreLease } from "../../src/store/index.js";

/** Plays another process finishing its refresh: it stores a newer token set over `saved`, then lets go of its lease. */
export async function finishRefreshElsewhere(store: TokenStore, saved: StoredTokenSet, lease: TokenStoreLease | null): Promise<boolean> {
	const refreshed: StoredTokenSet = {
		...saved,
		accessToken: "at-1",
		refreshToken: "rt-1",
		expiresAt: Date.now() + 3_600_000,
		version: saved.version + 1,
	};
	const written = await store.compareAndSet("conn", saved.version, refreshed);
	await lease?.release();
	return written;
}
