import { HttpResponse, http, type RequestHandler } from "msw";
import type { AtlassianEmulator } from "./atlassian-emulator.js";

export interface AtlassianHandlersOptions {
	/** Default `https://auth.atlassian.com`. */
	authorizationServer?: string;
	/** Default `https://api.atlassian.com`. */
	apiGateway?: string;
}

/**
 * msw handlers that answer for Atlassian's hosts with the emulator's model, so code under test uses the
 * real URLs. Each site's own host (`https://acme.atlassian.net`) refuses bearer tokens with 401, as
 * Atlassian does: 3LO tokens only work through the gateway.
 */
export function createAtlassianHandlers(emulator: AtlassianEmulator, options: AtlassianHandlersOptions = {}): RequestHandler[] {
	const origins = [options.authorizationServer ?? "https://auth.atlassian.com", options.apiGateway ?? "https://api.atlassian.com"];
	return [
		...origins.map((origin) => http.all(`${origin.replace(/\/+$/, "")}/*`, ({ request }) => emulator.handle(request))),
		...emulator.sites.map((site) =>
			http.all(`${site.url}/*`, () =>
				HttpResponse.json({ code: 401, message: "Client must be authenticated to access this resource." }, { status: 401 }),
			),
		),
	];
}
