/** What `sendWebResponse` needs of Node's `http.ServerResponse` (Express' `res`, Fastify's `reply.raw`). */
export interface NodeServerResponse {
	statusCode: number;
	setHeader(name: string, value: string | string[]): unknown;
	write(chunk: Uint8Array): boolean;
	end(): unknown;
	once?(event: "drain", listener: () => void): unknown;
}

/**
 * Sends a Web `Response` — from `createLoginResponse()`, `validateLoginCallback()`'s caller, or any fetch-style
 * handler — through Node's `ServerResponse`, for frameworks without an adapter of their own (Express; Fastify
 * after `reply.hijack()`). Keeps every `Set-Cookie` header apart, streams the body with backpressure, and
 * resolves when the response is sent.
 */
export async function sendWebResponse(response: Response, res: NodeServerResponse): Promise<void> {
	res.statusCode = response.status;
	response.headers.forEach((value, name) => {
		if (name !== "set-cookie") res.setHeader(name, value);
	});
	// Joined into one line, several cookies would become one broken cookie.
	const cookies = typeof response.headers.getSetCookie === "function" ? response.headers.getSetCookie() : [];
	if (cookies.length > 0) res.setHeader("Set-Cookie", cookies);
	const reader = response.body?.getReader();
	for (;;) {
		const chunk = await reader?.read();
		if (chunk === undefined || chunk.done) break;
		if (!res.write(chunk.value) && res.once) {
			await new Promise<void>((resolve) => res.once?.("drain", resolve));
		}
	}
	res.end();
}
