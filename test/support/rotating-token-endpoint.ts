/**
 * A strict model of Atlassian's token endpoint for refresh: every refresh rotates the refresh token,
 * and a spent refresh token is answered with 403 invalid_grant (no reuse leeway, to catch any double spend).
 */
export class RotatingTokenEndpoint {
	public current: string;
	public readonly spent = new Set<string>();
	public requests = 0;
	/** Every call of `fetch`, including those a network fault stops before they reach the endpoint. */
	public attempts = 0;
	public invalidGrants = 0;
	public rotations = 0;
	/** What the next response should be, instead of a rotation. */
	public fault:
		| "none"
		| "network"
		| "503"
		| "html"
		| "no-refresh-token"
		| "no-expires-in"
		| "huge-expires-in"
		| "hang"
		| "lost-after-rotation" = "none";
	#counter = 0;

	constructor(initial = "rt-0") {
		this.current = initial;
	}

	/** Handles one refresh request body; returns [status, body] or throws for a network fault. */
	public handle(refreshToken: string): { status: number; body: string; contentType: string } {
		this.requests++;
		if (this.fault === "503") return { status: 503, body: '{"error":"temporarily_unavailable"}', contentType: "application/json" };
		if (this.fault === "html") return { status: 502, body: "<html>Bad gateway</html>", contentType: "text/html" };
		if (refreshToken !== this.current) {
			this.invalidGrants++;
			return {
				status: 403,
				body: '{"error":"invalid_grant","error_description":"Unknown or invalid refresh token."}',
				contentType: "application/json",
			};
		}
		this.#counter++;
		this.rotations++;
		const body: Record<string, unknown> = {
			access_token: `at-${this.#counter}`,
			token_type: "Bearer",
			expires_in: 3600,
			scope: "read:me offline_access",
		};
		if (this.fault === "no-expires-in") delete body.expires_in;
		if (this.fault === "huge-expires-in") body.expires_in = 1e13;
		if (this.fault !== "no-refresh-token") {
			this.spent.add(this.current);
			this.current = `rt-${this.#counter}`;
			body.refresh_token = this.current;
		}
		return { status: 200, body: JSON.stringify(body), contentType: "application/json" };
	}

	/** A fetch for `AtlassianOptions.fetch`. */
	public readonly fetch = async (_input: string | URL | Request, init?: RequestInit): Promise<Response> => {
		this.attempts++;
		if (this.fault === "network") throw new TypeError("fetch failed");
		if (this.fault === "hang") return new Promise<Response>(() => {});
		const { refresh_token } = JSON.parse(String(init?.body)) as { refresh_token: string };
		// Yield, so concurrent callers really overlap.
		await new Promise((resolve) => setTimeout(resolve, 5));
		const { status, body, contentType } = this.handle(refresh_token);
		// Atlassian rotated the token, and then the connection dropped before the answer arrived.
		if (this.fault === "lost-after-rotation") throw new TypeError("fetch failed: socket hang up");
		return new Response(body, { status, headers: { "Content-Type": contentType } });
	};
}
