import type { AccessibleResource } from "../atlassian/accessible-resources.js";
import type { AtlassianUser } from "../atlassian/user.js";

export interface EmulatedClient {
	clientId: string;
	/** The app's name, as its consent page shows it. Default: the client id. */
	name?: string;
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

/** A Jira issue: listed by `/rest/api/3/search/jql`, read, created, updated and deleted under `/rest/api/3/issue`. */
export interface EmulatedIssue {
	id: string;
	/** `{projectKey}-{number}`; `project = KEY` in JQL matches on the prefix. */
	key: string;
	summary: string;
	status: string;
	issueType: string;
}

/** A Confluence page, listed by `/wiki/api/v2/pages` (filter with `space-id`). */
export interface EmulatedPage {
	id: string;
	title: string;
	spaceId: string;
}

export interface EmulatedSite extends Omit<AccessibleResource, "scopes"> {
	/** Scopes this site's products can grant (the granted scopes are the intersection with the request). */
	scopes: string[];
	projects: EmulatedProject[];
	spaces: EmulatedSpace[];
	/** Jira issues; writes through the gateway change this list. */
	issues?: EmulatedIssue[];
	pages?: EmulatedPage[];
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
		"read:space:confluence",
		"read:page:confluence",
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
	issues: [
		["ENG-1", "Rotate refresh tokens safely across workers", "Done", "Story"],
		["ENG-2", "Handle 429 with Retry-After", "In Progress", "Task"],
		["ENG-3", "Page through /search/jql with nextPageToken", "To Do", "Task"],
		["ENG-4", "Tell scope errors from expired tokens", "To Do", "Bug"],
		["ENG-5", "Store tokens in Postgres", "To Do", "Story"],
		["OPS-1", "Page the on-call engineer on invalid_grant", "To Do", "Task"],
		["OPS-2", "Renew the TLS certificate", "Done", "Task"],
	].map(([key, summary, status, issueType], index) => ({
		id: String(10_001 + index),
		key: key as string,
		summary: summary as string,
		status: status as string,
		issueType: issueType as string,
	})),
	pages: [
		{ id: "98305", title: "Getting started", spaceId: "65537" },
		{ id: "98306", title: "Architecture", spaceId: "65537" },
		{ id: "98307", title: "Runbook: reconnecting Atlassian", spaceId: "65537" },
		{ id: "98308", title: "Release notes", spaceId: "65537" },
		{ id: "98309", title: "Notes", spaceId: "65538" },
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
