import { describe, expect, it } from "vitest";
import {
	AuthorizationCallbackError,
	isReauthorizationRequired,
	OAuth2RequestError,
	validateAuthorizationCallback,
} from "../../src/index.js";

const STATE = "Zx4b8QmzkRVmNfoh4VMiwwn6v8sKbIflcg0M3T5RUGk";

function reason(run: () => unknown): string {
	try {
		run();
	} catch (error) {
		if (error instanceof AuthorizationCallbackError) return error.reason;
		throw error;
	}
	throw new Error("expected a throw");
}

describe("validateAuthorizationCallback", () => {
	it("returns the code from a URL, URLSearchParams or a string", () => {
		const url = `https://app.example/callback?code=the-code&state=${STATE}`;
		expect(validateAuthorizationCallback(new URL(url), STATE)).toBe("the-code");
		expect(validateAuthorizationCallback(new URL(url).searchParams, STATE)).toBe("the-code");
		expect(validateAuthorizationCallback(url, STATE)).toBe("the-code");
		expect(validateAuthorizationCallback(`?code=the-code&state=${STATE}`, STATE)).toBe("the-code");
	});

	it("refuses a missing stored state, a missing state and a mismatched state of any length", () => {
		expect(reason(() => validateAuthorizationCallback(`?code=c&state=${STATE}`, undefined))).toBe("missing_stored_state");
		expect(reason(() => validateAuthorizationCallback(`?code=c&state=${STATE}`, ""))).toBe("missing_stored_state");
		expect(reason(() => validateAuthorizationCallback("?code=c", STATE))).toBe("missing_state");
		expect(reason(() => validateAuthorizationCallback(`?code=c&state=${STATE.replace("Z", "Y")}`, STATE))).toBe("state_mismatch");
		expect(reason(() => validateAuthorizationCallback(`?code=c&state=${STATE}x`, STATE))).toBe("state_mismatch");
		expect(reason(() => validateAuthorizationCallback("?code=c&state=", STATE))).toBe("state_mismatch");
	});

	it("reports a declined consent as OAuth2RequestError access_denied with status null", () => {
		const callback = `?error=access_denied&error_description=User%20did%20not%20authorize%20the%20request&state=${STATE}`;
		let error: unknown;
		try {
			validateAuthorizationCallback(callback, STATE);
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(OAuth2RequestError);
		expect(error).toMatchObject({ code: "access_denied", description: "User did not authorize the request", status: null, state: STATE });
		expect(isReauthorizationRequired(error)).toBe(true);
	});

	it("checks the state before believing an error parameter", () => {
		expect(reason(() => validateAuthorizationCallback("?error=access_denied", STATE))).toBe("missing_state");
		expect(reason(() => validateAuthorizationCallback("?error=server_error&state=forged", STATE))).toBe("state_mismatch");
	});

	it("refuses a callback with neither code nor error", () => {
		expect(reason(() => validateAuthorizationCallback(`?state=${STATE}`, STATE))).toBe("missing_code");
	});
});
