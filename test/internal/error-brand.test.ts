import { describe, expect, it, vi } from "vitest";
import { brandError, isOwnError } from "../../src/internal/error-brand.js";

type Module = Record<string, unknown>;
type ErrorClass = new (...args: never[]) => Error;

/** Every error class the entries export, by name. */
async function errorClasses(): Promise<Map<string, ErrorClass>> {
	const entries: Module[] = [
		await import("../../src/index.js"),
		await import("../../src/redis/index.js"),
		await import("../../src/postgres/index.js"),
		await import("../../src/testing/index.js"),
	];
	const classes = new Map<string, ErrorClass>();
	for (const entry of entries) {
		for (const [name, value] of Object.entries(entry)) {
			if (typeof value === "function" && value.prototype instanceof Error) classes.set(name, value as ErrorClass);
		}
	}
	return classes;
}

/** An instance as its class's prototype makes it: identity does not depend on what a constructor takes. */
function instanceOf(errorClass: ErrorClass): Error {
	return Object.create(errorClass.prototype) as Error;
}

describe("brandError", () => {
	it("makes instanceof hold across two loads of the package, for every exported error class", async () => {
		const first = await errorClasses();
		vi.resetModules();
		const second = await errorClasses();
		expect(first.size).toBeGreaterThanOrEqual(16);
		for (const [name, errorClass] of first) {
			const twin = second.get(name);
			expect(twin, name).toBeDefined();
			expect(twin, name).not.toBe(errorClass);
			expect(instanceOf(errorClass) instanceof (twin as ErrorClass), name).toBe(true);
			expect(instanceOf(twin as ErrorClass) instanceof errorClass, name).toBe(true);
			expect(isOwnError(instanceOf(twin as ErrorClass)), name).toBe(true);
		}
	});

	it("tells the classes apart, and a subclass of ours from its parent", async () => {
		const classes = await errorClasses();
		const scope = instanceOf(classes.get("AtlassianScopeError") as ErrorClass);
		expect(scope instanceof (classes.get("AtlassianAPIError") as ErrorClass)).toBe(true);
		expect(instanceOf(classes.get("AtlassianAPIError") as ErrorClass) instanceof (classes.get("AtlassianScopeError") as ErrorClass)).toBe(
			false,
		);
		expect(instanceOf(classes.get("OAuth2RequestError") as ErrorClass) instanceof (classes.get("ArcticFetchError") as ErrorClass)).toBe(
			false,
		);
	});

	it("is not fooled by a name, and leaves a user's subclass to plain instanceof", () => {
		class Branded extends Error {}
		brandError(Branded, "TestOnlyBranded");
		class Subclass extends Branded {}
		const lookalike = Object.assign(new Error("x"), { name: "Branded" });
		expect(lookalike instanceof Branded).toBe(false);
		expect(isOwnError(lookalike)).toBe(false);
		expect(new Subclass() instanceof Branded).toBe(true);
		expect(new Branded() instanceof Subclass).toBe(false);
		expect(isOwnError(null)).toBe(false);
		expect(isOwnError("TokenNotFoundError")).toBe(false);
	});
});
