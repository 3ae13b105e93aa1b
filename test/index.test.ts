import { expect, it } from "vitest";
import * as main from "../src/index.js";
import * as node from "../src/node/index.js";
import * as store from "../src/store/index.js";

it("the main entry's deprecated re-exports are the very functions of their new homes", () => {
	expect(main.sendWebResponse).toBe(node.sendWebResponse);
	expect(main.checkTokenKey).toBe(store.checkTokenKey);
	expect(main.TokenLockTimeoutError).toBe(main.TokenLeaseTimeoutError);
});

it("exports only the public surface: no internal helper leaks through", () => {
	const names = Object.keys(main);
	for (const internal of ["brandError", "withoutTokens", "accessTokenExpiry", "classifyRefreshFailure", "backoff", "StoreAccess"]) {
		expect(names).not.toContain(internal);
	}
});
