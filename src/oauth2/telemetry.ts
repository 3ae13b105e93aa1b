// What an OpenTelemetry bridge (`atlassian-3lo/otel`) is handed: each HTTP request this package sends, each
// refresh and each wait for another process's lease. Structural, so no telemetry package is a dependency here:
// without one given, none of it runs.

/** One HTTP request as the bridge sees it: no header, no body, so no token, code or secret. */
export interface TelemetryRequest {
	method: string;
	/** The URL; the bridge keeps it without its query string. */
	url: string;
	/** The OAuth 2.0 grant of a token request (`authorization_code`, `refresh_token`), `revocation`; absent for an API call. */
	operation?: string;
}

/** Instrumentation, called around work this package does. Every method must run `work` and give back what it gives. */
export interface Telemetry {
	/** One HTTP request, sent by `send`: a client span, and the 429s it meets. */
	request(request: TelemetryRequest, send: () => Promise<Response>): Promise<Response>;
	/** One refresh of a connection (lease, send, write), by `TokenManager`. `key` may be recorded hashed, never in clear. */
	refresh<T>(key: string, work: () => Promise<T>): Promise<T>;
	/** A wait for the refresh lease another process holds on `key` begins; the function returned ends it. */
	leaseWaitStarted(key: string): () => void;
}
