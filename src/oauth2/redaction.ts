/**
 * One definition of what must never surface in an error, and how it is kept out: every secret in every
 * encoding a request used, in parsed response data and in failure causes.
 */

const REDACTED = "[REDACTED]";
/** Causes nested deeper than this are dropped from a sanitized copy rather than kept unchecked. */
const MAX_CAUSE_DEPTH = 4;
/** The built-in error classes a sanitized copy keeps, so `cause instanceof TypeError` still holds. */
const BUILT_IN_ERRORS: readonly ErrorConstructor[] = [TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];

/**
 * A secret as it is, inside a JSON string, form-urlencoded and percent-encoded (`encodeURIComponent`, which
 * leaves `!'()*` alone and writes a space as `%20`): every form in which a request or a log line carries it.
 * An empty value is no secret.
 */
export function secretEncodings(secret: string): string[] {
	if (secret === "") {
		return [];
	}
	const forms = [secret, JSON.stringify(secret).slice(1, -1), formUrlEncode(secret)];
	try {
		forms.push(encodeURIComponent(secret));
	} catch {
		// A lone surrogate has no percent-encoding, so it cannot appear in one.
	}
	return [...new Set(forms)];
}

export function formUrlEncode(value: string): string {
	return new URLSearchParams([["", value]]).toString().slice(1);
}

export function redactString(value: string, secrets: readonly string[]): string {
	return secrets.reduce((text, secret) => (secret ? text.split(secret).join(REDACTED) : text), value);
}

/**
 * A copy of parsed JSON with every occurrence of a secret replaced, in keys and values. JSON escapes a
 * string character by character, so a secret inside any string of the document appears in its
 * serialisation exactly as it does in its own; the redacted text is parsed back and checked again, and
 * anything that does not survive that round trip is withheld entirely.
 */
export function redactData(value: unknown, secrets: readonly string[]): unknown {
	const escaped = secrets.map((secret) => JSON.stringify(secret).slice(1, -1));
	try {
		const text = JSON.stringify(value);
		if (!escaped.some((secret) => secret && text.includes(secret))) {
			return value;
		}
		const redacted = redactString(text, escaped);
		return escaped.some((secret) => secret && redacted.includes(secret)) ? REDACTED : JSON.parse(redacted);
	} catch {
		return REDACTED;
	}
}

/**
 * What a failure may carry into an error of ours, as `cause` or handed to a hook: never the original object.
 * Whatever it holds — a `Request`, an ioredis command's arguments, symbol-keyed or hidden properties, a custom
 * `toJSON` or `inspect` — a sanitized copy keeps only its name, message, `code`, stack and cause (copied the
 * same way, to a depth of 4), each with the secrets replaced. A built-in error class (`TypeError`,
 * `DOMException`…) is kept, so checks on it still hold. A string stays a string, redacted.
 */
export function redactCause(cause: unknown, secrets: readonly string[]): unknown {
	return sanitizedCopy(cause, secrets, 0);
}

function sanitizedCopy(value: unknown, secrets: readonly string[], depth: number): unknown {
	if (value === null || value === undefined || typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
		return value;
	}
	if (typeof value === "string") {
		return redactString(value, secrets);
	}
	try {
		const source = value as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown; cause?: unknown };
		const isError = value instanceof Error || isDOMException(value);
		const name = redactString(String(isError ? source.name : "Error"), secrets);
		const message = redactString(String(isError ? source.message : value), secrets);
		const copy = copyOf(value, name, message);
		if (copy.name !== name) copy.name = name;
		copy.stack = typeof source.stack === "string" ? redactString(source.stack, secrets) : `${name}: ${message}`;
		// A DOMException's code is a read-only getter of its name; any other code (ECONNRESET, a Redis error's) is kept.
		if (!isDOMException(copy) && (typeof source.code === "string" || typeof source.code === "number")) {
			(copy as { code?: unknown }).code = typeof source.code === "string" ? redactString(source.code, secrets) : source.code;
		}
		if (isError && source.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
			(copy as { cause?: unknown }).cause = sanitizedCopy(source.cause, secrets, depth + 1);
		}
		return copy;
	} catch {
		// A failure that cannot even be turned into a string cannot be checked either, so nothing of it is kept.
		return new Error("The request failed with an error that could not be converted to a string");
	}
}

function isDOMException(value: unknown): boolean {
	return typeof DOMException !== "undefined" && value instanceof DOMException;
}

function copyOf(value: unknown, name: string, message: string): Error {
	if (isDOMException(value)) {
		return new DOMException(message, name) as unknown as Error;
	}
	const builtIn = BUILT_IN_ERRORS.find((errorClass) => Object.getPrototypeOf(value) === errorClass.prototype);
	return builtIn === undefined ? new Error(message) : new builtIn(message);
}
