import { expect, it } from "vitest";
import * as store from "../../src/store/index.js";
import * as testing from "../../src/testing/index.js";

it("testTokenStoreConformance is still exported here, deprecated, as the store entry's own", () => {
	expect(testing.testTokenStoreConformance).toBe(store.testTokenStoreConformance);
});
