import { encodeBase64 } from "@oslojs/encoding";
import type { ClientAuthentication } from "./client-authentication.js";
import { formUrlEncode, secretEncodings } from "./redaction.js";

/**
 * `Authorization: Basic` (RFC 6749 §2.3.1): id and secret are form-urlencoded before they are joined
 * and base64-encoded. Kept apart from the other methods because it is the only one that needs base64.
 */
export function clientSecretBasic(clientId: string, clientSecret: string): ClientAuthentication {
	const credentials = encodeBase64(new TextEncoder().encode(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`));
	return {
		secrets: clientSecret === "" ? [] : [...secretEncodings(clientSecret), credentials],
		authenticate(headers) {
			headers.Authorization = `Basic ${credentials}`;
		},
	};
}
