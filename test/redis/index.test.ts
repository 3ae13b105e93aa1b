import { expect, it } from "vitest";
import * as main from "../../src/index.js";
import * as redis from "../../src/redis/index.js";

it("CorruptTokenRecordError is still exported here, deprecated, as the main entry's class", () => {
	expect(redis.CorruptTokenRecordError).toBe(main.CorruptTokenRecordError);
});
