import { expect, it } from "vitest";
import { isJsonObject, parseJson } from "../../src/internal/json.js";

it("parseJson gives undefined for an empty or broken body, and the value otherwise", () => {
	expect(parseJson("")).toBeUndefined();
	expect(parseJson("  \n")).toBeUndefined();
	expect(parseJson("<html>")).toBeUndefined();
	expect(parseJson('{"a":1}')).toEqual({ a: 1 });
	expect(parseJson("null")).toBeNull();
});

it("isJsonObject is true for objects only, not arrays or null", () => {
	expect(isJsonObject({})).toBe(true);
	expect(isJsonObject([])).toBe(false);
	expect(isJsonObject(null)).toBe(false);
	expect(isJsonObject("x")).toBe(false);
});
