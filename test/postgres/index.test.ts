import { expect, it } from "vitest";
import * as main from "../../src/index.js";
import * as postgres from "../../src/postgres/index.js";

it("CorruptTokenRecordError is still exported here, deprecated, as the main entry's class", () => {
	expect(postgres.CorruptTokenRecordError).toBe(main.CorruptTokenRecordError);
});
