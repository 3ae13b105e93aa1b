import { describe, expect, it, vi } from "vitest";
import { withoutTokens } from "../../src/tokens/safe-error.js";

const ACCESS = "access-token-secret-1234";
const REFRESH = "refresh-token-secret-5678";

describe("withoutTokens", () => {
	it("hands back this package's errors as they are, from either copy of the package", async () => {
		const { TokenStoreTimeoutError } = await import("../../src/tokens/errors.js");
		const own = new TokenStoreTimeoutError("user-1", "get", 5_000);
		expect(withoutTokens(own, [ACCESS])).toBe(own);
		vi.resetModules();
		const copy = await import("../../src/tokens/errors.js");
		expect(copy.TokenStoreTimeoutError).not.toBe(TokenStoreTimeoutError);
		const twin = new copy.TokenStoreTimeoutError("user-1", "get", 5_000);
		expect(withoutTokens(twin, [ACCESS])).toBe(twin);
	});

	it("gives a sanitized copy of a foreign error, with the call's tokens redacted in every encoding, its class and code kept", () => {
		const foreign = Object.assign(new TypeError(`ERR write ${ACCESS} ${encodeURIComponent(`${REFRESH}/+`)}`), {
			code: "ERR_STORE",
			command: { args: [ACCESS, REFRESH] },
		});
		const copy = withoutTokens(foreign, [ACCESS, `${REFRESH}/+`]) as TypeError & { code?: string; command?: unknown };
		expect(copy).not.toBe(foreign);
		expect(copy).toBeInstanceOf(TypeError);
		expect(copy.code).toBe("ERR_STORE");
		expect(copy.command).toBeUndefined();
		expect(copy.message).not.toContain(ACCESS);
		expect(copy.message).not.toContain(REFRESH);
		expect(JSON.stringify({ message: copy.message, stack: copy.stack })).not.toContain(ACCESS);
	});

	it("does not redact values under 8 characters (test placeholders), nor missing tokens", () => {
		const copy = withoutTokens(new Error("stored a-1 and r-1"), ["a-1", null, undefined, "r-1"]) as Error;
		expect(copy.message).toBe("stored a-1 and r-1");
	});
});
