import { expect, it } from "vitest";
import { isLoopbackHostname } from "../../src/internal/loopback.js";

it("is true for localhost, 127.0.0.0/8 and ::1 only", () => {
	for (const hostname of ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"]) expect(isLoopbackHostname(hostname), hostname).toBe(true);
	for (const hostname of ["localhost.example", "128.0.0.1", "127.0.0.1.nip.io", "0.0.0.0", "example.com", "::2", ""]) {
		expect(isLoopbackHostname(hostname), hostname).toBe(false);
	}
});
