import { expect, it } from "vitest";
import { clientSecretPost, publicClient } from "../../src/oauth2/client-authentication.js";

it("clientSecretPost puts id and secret in the body, and lists the secret's forms for redaction", () => {
	const authentication = clientSecretPost("id", "a secret/+");
	const headers: Record<string, string> = {};
	const body: Record<string, string> = {};
	authentication.authenticate(headers, body);
	expect(body).toEqual({ client_id: "id", client_secret: "a secret/+" });
	expect(headers).toEqual({});
	expect(authentication.secrets).toEqual(expect.arrayContaining(["a secret/+", "a+secret%2F%2B"]));
});

it("publicClient sends only its id, and has no secret", () => {
	const authentication = publicClient("id");
	const body: Record<string, string> = {};
	authentication.authenticate({}, body);
	expect(body).toEqual({ client_id: "id" });
	expect(authentication.secrets).toEqual([]);
});
