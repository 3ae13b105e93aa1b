/**
 * Atlassian OAuth 2.0 scopes that editors should autocomplete; any other string is still accepted.
 * Each scope must also be enabled on the app in the developer console (Permissions page).
 */
export type AtlassianScope =
	| "read:me"
	| "offline_access"
	| "read:account"
	| "read:jira-work"
	| "write:jira-work"
	| "read:jira-user"
	| "manage:jira-project"
	| "manage:jira-configuration"
	| "manage:jira-webhook"
	| "manage:jira-data-provider"
	| "read:servicedesk-request"
	| "write:servicedesk-request"
	| "manage:servicedesk-customer"
	| "read:confluence-content.all"
	| "read:confluence-content.summary"
	| "read:confluence-content.permission"
	| "read:confluence-space.summary"
	| "read:confluence-props"
	| "read:confluence-user"
	| "read:confluence-groups"
	| "write:confluence-content"
	| "write:confluence-file"
	| "write:confluence-props"
	| "write:confluence-space"
	| "write:confluence-groups"
	| "search:confluence"
	| "readonly:content.attachment:confluence"
	| "manage:confluence-configuration"
	| (string & {});

/** Scopes grouped by purpose. `OFFLINE_ACCESS` is what makes Atlassian return a refresh token. */
export const AtlassianScopes = {
	/** Read the user's profile with `getUser()`. */
	READ_ME: "read:me",
	/** Receive a refresh token. Without it, the grant ends when the access token expires (one hour). */
	OFFLINE_ACCESS: "offline_access",
	JIRA: {
		READ_WORK: "read:jira-work",
		WRITE_WORK: "write:jira-work",
		READ_USER: "read:jira-user",
		MANAGE_PROJECT: "manage:jira-project",
		MANAGE_CONFIGURATION: "manage:jira-configuration",
		MANAGE_WEBHOOK: "manage:jira-webhook",
		MANAGE_DATA_PROVIDER: "manage:jira-data-provider",
	},
	CONFLUENCE: {
		READ_CONTENT_ALL: "read:confluence-content.all",
		READ_CONTENT_SUMMARY: "read:confluence-content.summary",
		READ_CONTENT_PERMISSION: "read:confluence-content.permission",
		READ_SPACE_SUMMARY: "read:confluence-space.summary",
		READ_PROPS: "read:confluence-props",
		READ_USER: "read:confluence-user",
		READ_GROUPS: "read:confluence-groups",
		WRITE_CONTENT: "write:confluence-content",
		WRITE_FILE: "write:confluence-file",
		WRITE_PROPS: "write:confluence-props",
		WRITE_SPACE: "write:confluence-space",
		WRITE_GROUPS: "write:confluence-groups",
		SEARCH: "search:confluence",
		READONLY_ATTACHMENT: "readonly:content.attachment:confluence",
		MANAGE_CONFIGURATION: "manage:confluence-configuration",
	},
} as const;
