export function isJsonObject(value: unknown): value is Record<string, unknown> {
	return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A response body as JSON, or `undefined` when it is empty or not JSON: the caller decides what that means. */
export function parseJson(text: string): unknown {
	if (text.trim() === "") {
		return undefined;
	}
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
