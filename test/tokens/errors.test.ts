import { expect, it } from "vitest";
import {
	CorruptTokenRecordError,
	RefreshOutcomeUnknownError,
	TokenLeaseTimeoutError,
	TokenNotFoundError,
	TokenStoreTimeoutError,
	TokenWriteNotDurableError,
} from "../../src/index.js";

it("each error says what went wrong and what to do, and carries the connection key", () => {
	const cases: [Error & { key: string }, RegExp][] = [
		[new TokenNotFoundError("user-1"), /No tokens are stored for "user-1": call TokenManager.save\(\)/],
		[new TokenLeaseTimeoutError("user-1", 60_000), /after 60000 ms waiting for another process .* retry later/],
		[
			new TokenStoreTimeoutError("user-1", "get", 5_000),
			/did not answer get for "user-1" within 5000 ms; check the store's health and retry/,
		],
		[
			new RefreshOutcomeUnknownError("user-1", Date.UTC(2026, 0, 2)),
			/2026-01-02T00:00:00.000Z is unknown .* sign in again, or retry with \{ retryUnknownOutcome: true \}/,
		],
		[new TokenWriteNotDurableError("user-1", 0, 1), /only 0 of 1 replicas .* Check the replicas' health/],
		[new CorruptTokenRecordError("user-1"), /not a valid token set; sign the user in again/],
	];
	for (const [error, message] of cases) {
		expect(error.key).toBe("user-1");
		expect(error.message).toMatch(message);
		expect(error.name).toBe(error.constructor.name === "TokenLeaseTimeoutError" ? "TokenLockTimeoutError" : error.constructor.name);
	}
	expect(new TokenStoreTimeoutError("k", "renew", 1).operation).toBe("renew");
	expect(new RefreshOutcomeUnknownError("k", 5).sentAt).toBe(5);
	expect(new TokenWriteNotDurableError("k", 1, 2)).toMatchObject({ acknowledged: 1, required: 2 });
});
