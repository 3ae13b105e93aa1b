import type { AccessibleResource } from "../atlassian/accessible-resources.js";
import type { AtlassianUser } from "../atlassian/user.js";

export interface EmulatedClient {
	clientId: string;
	clientSecret: string;
	/** Callback URLs registered on the app; `/authorize` and the code exchange accept only these. */
	redirectURIs: string[];
}

export interface EmulatedProject {
	id: string;
	key: string;
	name: string;
	projectTypeKey: "software" | "service_desk" | "business";
}

export interface EmulatedSpace {
	id: string;
	key: string;
	name: string;
	type: "global" | "personal";
}

export interface EmulatedSite extends Omit<AccessibleResource, "scopes"> {
	/** Scopes this site's products can grant (the granted scopes are the intersection with the request). */
	scopes: string[];
	projects: EmulatedProject[];
	spaces: EmulatedSpace[];
}

export interface EmulatedUser {
	profile: AtlassianUser;
	/** Cloud ids of the sites this user can grant. */
	siteIds: string[];
}

export const DEFAULT_CLIENT: EmulatedClient = {
	clientId: "emulator-client-id",
	clientSecret: "emulator-client-secret",
	redirectURIs: ["http://localhost:3000/login/atlassian/callback"],
};

export const DEFAULT_SITE: EmulatedSite = {
	id: "1324a887-45db-1bf4-1e99-ef0ff456d421",
	name: "acme",
	url: "https://acme.atlassian.net",
	avatarUrl: "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png",
	scopes: [
		"read:jira-work",
		"write:jira-work",
		"read:jira-user",
		"manage:jira-project",
		"read:confluence-space.summary",
		"read:confluence-content.all",
		"read:confluence-user",
	],
	projects: [
		{ id: "10000", key: "ENG", name: "Engineering", projectTypeKey: "software" },
		{ id: "10001", key: "OPS", name: "Operations", projectTypeKey: "service_desk" },
		{ id: "10002", key: "MKT", name: "Marketing", projectTypeKey: "business" },
	],
	spaces: [
		{ id: "65537", key: "DOCS", name: "Documentation", type: "global" },
		{ id: "65538", key: "~mia", name: "Mia Krystof", type: "personal" },
	],
};

export const DEFAULT_USER: EmulatedUser = {
	profile: {
		account_type: "atlassian",
		account_id: "712020:2c8a4b1e-5d2f-4f7b-9a3e-1b2c3d4e5f60",
		email: "mia.krystof@acme.example",
		name: "Mia Krystof",
		// A data: URL, so a browser showing the emulated profile never reaches for the internet.
		picture:
			"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Ccircle cx='16' cy='16' r='16' fill='%230052cc'/%3E%3Ctext x='16' y='21' font-size='13' text-anchor='middle' fill='white' font-family='sans-serif'%3EMK%3C/text%3E%3C/svg%3E",
		account_status: "active",
		nickname: "mia",
		zoneinfo: "Europe/Berlin",
		locale: "en-US",
		extended_profile: { job_title: "Staff Engineer", organization: "Acme", department: "Platform", location: "Berlin" },
	},
	siteIds: [DEFAULT_SITE.id],
};
