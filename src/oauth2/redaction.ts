/**
 * One definition of what must never surface in an error, and how it is kept out: every secret in every
 * encoding a request used, in parsed response data and in failure causes.
 */

const REDACTED = "[REDACTED]";
/** Causes nested deeper than this are not scanned, so they are withheld rather than kept unchecked. */
const MAX_CAUSE_DEPTH = 4;

/**
 * A secret as it is, inside a JSON string, and form-urlencoded: every form in which a request carries it.
 * An empty value is no secret.
 */
export function secretEncodings(secret: string): string[] {
	return secret === "" ? [] : [secret, JSON.stringify(secret).slice(1, -1), formUrlEncode(secret)];
}

export function formUrlEncode(value: string): string {
	return new URLSearchParams([["", value]]).toString().slice(1);
}

function redactString(value: string, secrets: readonly string[]): string {
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
 * Keeps the original failure as `cause` unless it may show a secret (a custom fetch may echo the request,
 * or attach it), in which case a copy takes its place that keeps only the name, the message and the stack,
 * each with the secrets replaced.
 */
export function redactCause(cause: unknown, secrets: readonly string[]): unknown {
	try {
		if (!mayShowSecret(cause, secrets, 0)) {
			return cause;
		}
		const source = cause instanceof Error ? cause : new Error(String(cause));
		const copy = new Error(redactString(String(source.message), secrets));
		copy.name = redactString(String(source.name), secrets);
		copy.stack = typeof source.stack === "string" ? redactString(source.stack, secrets) : `${copy.name}: ${copy.message}`;
		return copy;
	} catch {
		// A failure that cannot even be turned into a string cannot be checked either, so it is not kept.
		return new Error("The request failed with an error that could not be converted to a string");
	}
}

/**
 * Looks at everything an error reporter (or `util.inspect`) would print: the string, stack and JSON forms,
 * every own property — the entries of a `Headers`, `Map` or `URLSearchParams`, a `Request`'s URL and
 * headers — and the cause chain. Past `MAX_CAUSE_DEPTH` it answers yes: what was not checked is not kept.
 */
function mayShowSecret(value: unknown, secrets: readonly string[], depth: number): boolean {
	if (value == null) {
		return false;
	}
	if (depth > MAX_CAUSE_DEPTH) {
		return true;
	}
	const text = printedForms(value);
	if (secrets.some((secret) => secret && text.includes(secret))) {
		return true;
	}
	if (typeof value !== "object") {
		return false;
	}
	return Object.getOwnPropertyNames(value).some((name) => {
		const property = (value as Record<string, unknown>)[name];
		return typeof property === "object" && property !== null && mayShowSecret(property, secrets, depth + 1);
	});
}

function printedForms(value: unknown): string {
	const { url } = value as { url?: unknown };
	let text = String(value) + (typeof url === "string" ? url : "");
	if (value instanceof Error) {
		text += value.stack;
	}
	// JSON, then the entries util.inspect shows of a Headers, Map or URLSearchParams (or a Request's headers).
	for (const form of [
		() => value,
		() => [...(value as Map<unknown, unknown>).entries()],
		() => [...(value as Request).headers.entries()],
	]) {
		try {
			text += JSON.stringify(form());
		} catch {
			// Not of that kind, or unserialisable: the other forms are still checked.
		}
	}
	return text;
}
