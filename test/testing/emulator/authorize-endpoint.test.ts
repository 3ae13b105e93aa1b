import { describe, expect, it } from "vitest";
import { authorize, decide } from "../../../src/testing/emulator/authorize-endpoint.js";
import { DEFAULT_CLIENT } from "../../../src/testing/index.js";
import { emulatorRooms, REDIRECT_URI } from "../../support/emulator-rooms.js";

const authorizeURL = (parameters: Record<string, string>) =>
	new URL(
		`https://auth.example/authorize?${new URLSearchParams({
			client_id: DEFAULT_CLIENT.clientId,
			redirect_uri: REDIRECT_URI,
			response_type: "code",
			audience: "api.atlassian.com",
			state: "st",
			scope: "read:me",
			...parameters,
		})}`,
	);

describe("the consent step", () => {
	it("shows the consent page for a registered app, callback and audience", async () => {
		const { authorizationServer } = emulatorRooms();
		const page = authorize(authorizationServer, authorizeURL({}));
		expect(page.status).toBe(200);
		expect(await page.text()).toContain("read:me");
	});

	it("refuses an unknown app or a bad request on an error page, and sends an unregistered callback to /error", () => {
		const { authorizationServer } = emulatorRooms();
		expect(authorize(authorizationServer, authorizeURL({ client_id: "nobody" })).status).toBe(400);
		expect(authorize(authorizationServer, authorizeURL({ audience: "evil.example" })).status).toBe(400);
		expect(authorize(authorizationServer, authorizeURL({ code_challenge_method: "plain" })).status).toBe(400);
		const redirected = authorize(authorizationServer, authorizeURL({ redirect_uri: "https://evil.example/cb" }));
		expect(redirected.status).toBe(302);
		expect(new URL(redirected.headers.get("location") as string).searchParams.get("error")).toBe("unauthorized_client");
	});

	it("Accept redirects with a code and the state; Decline with access_denied", async () => {
		const { authorizationServer } = emulatorRooms();
		const decision = (choice: string) =>
			decide(
				authorizationServer,
				new Request("https://auth.example/authorize/decision", {
					method: "POST",
					body: new URLSearchParams({
						client_id: DEFAULT_CLIENT.clientId,
						redirect_uri: REDIRECT_URI,
						decision: choice,
						scope: "read:me",
						state: "st",
					}),
				}),
			);
		const accepted = new URL((await decision("accept")).headers.get("location") as string);
		expect(accepted.searchParams.get("code")).toMatch(/^code-/);
		expect(accepted.searchParams.get("state")).toBe("st");
		const declined = new URL((await decision("decline")).headers.get("location") as string);
		expect(declined.searchParams.get("error")).toBe("access_denied");
		expect(declined.searchParams.get("state")).toBe("st");
	});
});
