import { MemoryRateLimitStore } from "../../src/index.js";
import { describeRateLimitStore } from "../support/rate-limit-store-contract.js";

// The contract every RateLimitStore keeps (test/support/rate-limit-store-contract.ts), on the in-process one; the
// Redis and Postgres stores run it too, each in its own test file.
describeRateLimitStore("MemoryRateLimitStore", async () => {
	const store = new MemoryRateLimitStore();
	return { store, other: store };
});
