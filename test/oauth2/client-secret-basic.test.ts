import { expect, it } from "vitest";
import { clientSecretBasic } from "../../src/oauth2/client-secret-basic.js";

it("form-urlencodes id and secret before base64 (RFC 6749 §2.3.1), and lists every form of the secret", () => {
	const authentication = clientSecretBasic("my client", "s3cr:et/+");
	const headers: Record<string, string> = {};
	const body: Record<string, string> = {};
	authentication.authenticate(headers, body);
	const credentials = Buffer.from("my+client:s3cr%3Aet%2F%2B").toString("base64");
	expect(headers.Authorization).toBe(`Basic ${credentials}`);
	expect(body).toEqual({});
	expect(authentication.secrets).toContain("s3cr:et/+");
	expect(authentication.secrets).toContain(credentials);
});

it("an empty secret is nothing to redact", () => {
	expect(clientSecretBasic("id", "").secrets).toEqual([]);
});
