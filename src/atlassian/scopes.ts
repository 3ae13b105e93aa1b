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
	// Granular scopes: the Confluence v2 REST API documents only these; newer Jira APIs accept them too.
	| "read:issue:jira"
	| "write:issue:jira"
	| "delete:issue:jira"
	| "read:issue-details:jira"
	| "read:issue-meta:jira"
	| "read:project:jira"
	| "read:jql:jira"
	| "read:field:jira"
	| "read:comment:jira"
	| "write:comment:jira"
	| "read:user:jira"
	| "read:space:confluence"
	| "read:space-details:confluence"
	| "write:space:confluence"
	| "read:page:confluence"
	| "write:page:confluence"
	| "delete:page:confluence"
	| "read:blogpost:confluence"
	| "write:blogpost:confluence"
	| "read:comment:confluence"
	| "write:comment:confluence"
	| "read:attachment:confluence"
	| "read:label:confluence"
	| "read:content:confluence"
	| "write:content:confluence"
	| "read:content-details:confluence"
	| "read:hierarchical-content:confluence"
	| "read:user:confluence"
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
	/** Granular Jira scopes (`action:resource:jira`), for APIs documented with them. */
	JIRA_GRANULAR: {
		READ_ISSUE: "read:issue:jira",
		WRITE_ISSUE: "write:issue:jira",
		DELETE_ISSUE: "delete:issue:jira",
		READ_ISSUE_DETAILS: "read:issue-details:jira",
		READ_ISSUE_META: "read:issue-meta:jira",
		READ_PROJECT: "read:project:jira",
		READ_JQL: "read:jql:jira",
		READ_FIELD: "read:field:jira",
		READ_COMMENT: "read:comment:jira",
		WRITE_COMMENT: "write:comment:jira",
		READ_USER: "read:user:jira",
	},
	/** Granular Confluence scopes: the v2 REST API (`/wiki/api/v2/…`) takes only these; a classic scope gets 401 "scope does not match". */
	CONFLUENCE_GRANULAR: {
		READ_SPACE: "read:space:confluence",
		READ_SPACE_DETAILS: "read:space-details:confluence",
		WRITE_SPACE: "write:space:confluence",
		READ_PAGE: "read:page:confluence",
		WRITE_PAGE: "write:page:confluence",
		DELETE_PAGE: "delete:page:confluence",
		READ_BLOGPOST: "read:blogpost:confluence",
		WRITE_BLOGPOST: "write:blogpost:confluence",
		READ_COMMENT: "read:comment:confluence",
		WRITE_COMMENT: "write:comment:confluence",
		READ_ATTACHMENT: "read:attachment:confluence",
		READ_LABEL: "read:label:confluence",
		READ_CONTENT: "read:content:confluence",
		WRITE_CONTENT: "write:content:confluence",
		READ_CONTENT_DETAILS: "read:content-details:confluence",
		READ_HIERARCHICAL_CONTENT: "read:hierarchical-content:confluence",
		READ_USER: "read:user:confluence",
	},
} as const;
