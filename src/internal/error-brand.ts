/** Carried by every error class of this package: built without a token in it, and with its cause sanitized. */
const OWN_ERROR = Symbol.for("atlassian-3lo.error");

/**
 * The one rule of error identity, made to survive this package being loaded twice (through both `import` and
 * `require`, or as two copies in `node_modules`): the class's prototype carries a brand under a `Symbol.for`
 * key, which both copies share, and `instanceof` checks the plain prototype chain first, then the brand.
 * A user's subclass keeps plain `instanceof`.
 */
export function brandError(errorClass: abstract new (...args: never[]) => Error, name: string): void {
	const brand = Symbol.for(`atlassian-3lo.error.${name}`);
	Object.defineProperty(errorClass.prototype, brand, { value: true });
	Object.defineProperty(errorClass.prototype, OWN_ERROR, { value: true });
	Object.defineProperty(errorClass, Symbol.hasInstance, {
		value(this: unknown, value: unknown): boolean {
			return Function.prototype[Symbol.hasInstance].call(this, value) || (this === errorClass && hasBrand(value, brand));
		},
	});
}

/** True for an error of any class of this package, from whichever copy of it. */
export function isOwnError(value: unknown): boolean {
	return hasBrand(value, OWN_ERROR);
}

function hasBrand(value: unknown, brand: symbol): boolean {
	return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}
