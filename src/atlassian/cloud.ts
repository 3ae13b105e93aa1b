/** Which Atlassian cloud a client talks to. */
export type AtlassianCloud = "commercial" | "us-gov-mod";

export interface AtlassianCloudHosts {
	/** Origin of the authorization server: `/authorize` and `/oauth/token` live here. */
	authorizationServer: string;
	/** Origin of the API gateway; also the `audience` of the authorization request. */
	apiGateway: string;
	audience: string;
}

const CLOUD_HOSTS: Record<AtlassianCloud, AtlassianCloudHosts> = {
	commercial: {
		authorizationServer: "https://auth.atlassian.com",
		apiGateway: "https://api.atlassian.com",
		audience: "api.atlassian.com",
	},
	"us-gov-mod": {
		authorizationServer: "https://auth.atlassian-us-gov-mod.com",
		apiGateway: "https://api.atlassian-us-gov-mod.com",
		audience: "api.atlassian-us-gov-mod.com",
	},
};

export function cloudHosts(cloud: AtlassianCloud): AtlassianCloudHosts {
	const hosts = CLOUD_HOSTS[cloud];
	if (hosts === undefined) {
		throw new TypeError(`Unknown Atlassian cloud "${String(cloud)}": use "commercial" or "us-gov-mod"`);
	}
	return hosts;
}
