import { expect, it } from "vitest";
import { json } from "../../../src/testing/emulator/json-response.js";

it("answers JSON with its status and extra headers", async () => {
	const response = json({ code: 404 }, 404, { "Retry-After": "1" });
	expect(response.status).toBe(404);
	expect(response.headers.get("content-type")).toBe("application/json");
	expect(response.headers.get("retry-after")).toBe("1");
	expect(await response.json()).toEqual({ code: 404 });
});
