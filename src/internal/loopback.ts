/**
 * The one definition of "loopback": `localhost`, 127.0.0.0/8 and ::1 (with or without URL brackets).
 * Decides where plain http is acceptable (custom hosts, the state cookie without Secure) and where the
 * test servers may listen.
 */
export function isLoopbackHostname(hostname: string): boolean {
	return hostname === "localhost" || hostname === "::1" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
