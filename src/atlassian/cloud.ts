import { isLoopbackHostname } from "../internal/loopback.js";

/** Which Atlassian cloud a client talks to. */
export type AtlassianCloud = "commercial" | "us-gov-mod";

export interface AtlassianCloudHosts {
	/** Origin of the authorization server: `/authorize` and `/oauth/token` live here. */
	authorizationServer: string;
	/** Origin of the API gateway; also the `audience` of the authorization request. */
	apiGateway: string;
	audience: string;
}

/** Each cloud's domain: its authorization server is `auth.` and its API gateway `api.` under it. */
const CLOUD_DOMAINS: Record<AtlassianCloud, string> = {
	commercial: "atlassian.com",
	"us-gov-mod": "atlassian-us-gov-mod.com",
};

export function cloudHosts(cloud: AtlassianCloud): AtlassianCloudHosts {
	const domain = Object.hasOwn(CLOUD_DOMAINS, cloud) ? CLOUD_DOMAINS[cloud] : undefined;
	if (domain === undefined) {
		throw new TypeError(`Unknown Atlassian cloud "${String(cloud)}": use "commercial" or "us-gov-mod"`);
	}
	return { authorizationServer: `https://auth.${domain}`, apiGateway: `https://api.${domain}`, audience: `api.${domain}` };
}

/**
 * Origins given explicitly, e.g. a local Atlassian emulator. Only `https:` is accepted, or `http:` on
 * loopback (localhost, 127.0.0.0/8, [::1]), so client secrets never travel in clear text over a network.
 */
export interface AtlassianHostOverrides {
	authorizationServer: string;
	apiGateway: string;
	/** Defaults to the host of `apiGateway`. */
	audience?: string;
}

export function customHosts(overrides: AtlassianHostOverrides): AtlassianCloudHosts {
	const authorizationServer = secureOrigin(overrides.authorizationServer, "authorizationServer");
	const apiGateway = secureOrigin(overrides.apiGateway, "apiGateway");
	return { authorizationServer, apiGateway, audience: overrides.audience ?? new URL(apiGateway).host };
}

function secureOrigin(value: string, name: string): string {
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		throw new TypeError(`hosts.${name} must be an absolute URL, got "${value}"`);
	}
	const loopback = isLoopbackHostname(url.hostname);
	if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
		throw new TypeError(`hosts.${name} must use https:, or http: on a loopback address (localhost, 127.0.0.1, [::1]); got "${value}"`);
	}
	// Keep a path prefix (an emulator may be mounted under one) but drop a trailing slash.
	return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}
