/**
 * The product APIs the emulator serves behind `/ex/{product}/{cloudId}`, as a route table: each route names
 * the scopes that admit it (any one of them) and answers like Atlassian's, pagination and writes included.
 */
import type { AtlassianUser } from "../../atlassian/user.js";
import type { EmulatedIssue, EmulatedSite } from "../fixtures.js";
import { json } from "./json-response.js";

export interface GatewayRequest {
	request: Request;
	url: URL;
	/** The route pattern's captures. */
	params: string[];
	site: EmulatedSite;
	user: AtlassianUser | undefined;
	/** `https://api.atlassian.com/ex/{product}/{cloudId}`: where `self` links point. */
	base: string;
}

export interface GatewayRoute {
	method: string;
	product: "jira" | "confluence";
	path: RegExp;
	/** The request is admitted with any one of these scopes; without, the gateway answers the scope-mismatch 401. */
	scopes: string[];
	handle(request: GatewayRequest): Response | Promise<Response>;
}

const JIRA_READ = ["read:jira-work"];
const JIRA_WRITE = ["write:jira-work"];

function jiraNotFound(what: string): Response {
	return json({ errorMessages: [`${what} does not exist or you do not have permission to see it.`], errors: {} }, 404);
}

function issueJSON(issue: EmulatedIssue, base: string): Record<string, unknown> {
	return {
		id: issue.id,
		key: issue.key,
		self: `${base}/rest/api/3/issue/${issue.id}`,
		fields: {
			summary: issue.summary,
			status: { name: issue.status },
			issuetype: { name: issue.issueType },
			project: { key: issue.key.split("-")[0] },
		},
	};
}

function findIssue(site: EmulatedSite, idOrKey: string): EmulatedIssue | undefined {
	return site.issues?.find((issue) => issue.id === idOrKey || issue.key === idOrKey.toUpperCase());
}

/** The `project = KEY` (or `project in (A, B)`) part of a JQL query; other clauses are ignored. */
function projectsOf(jql: string): string[] | null {
	const match = /project\s*(?:=\s*"?([\w-]+)"?|in\s*\(([^)]*)\))/i.exec(jql);
	if (match === null) return null;
	return (match[1] ?? match[2] ?? "").split(",").map((key) => key.trim().replace(/"/g, "").toUpperCase());
}

/** Confluence v2 cursor paging: an opaque cursor, a relative `_links.next` and the same link in a `Link` header. */
function cursorPage<T>(url: URL, items: T[], path: string, toJSON: (item: T) => unknown, site: EmulatedSite): Response {
	const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? 25), 1), 250);
	const cursor = url.searchParams.get("cursor");
	const start = cursor === null ? 0 : Number(atob(cursor).replace(/^offset:/, ""));
	const page = items.slice(start, start + limit);
	const links: Record<string, string> = { base: `${site.url}/wiki` };
	const headers: Record<string, string> = {};
	if (start + limit < items.length) {
		const next = new URLSearchParams(url.searchParams);
		next.set("cursor", btoa(`offset:${start + limit}`));
		links.next = `${path}?${next}`;
		headers.Link = `<${links.next}>; rel="next", <${site.url}/wiki>; rel="base"`;
	}
	return json({ results: page.map(toJSON), _links: links }, 200, headers);
}

export const GATEWAY_ROUTES: GatewayRoute[] = [
	{
		method: "GET",
		product: "jira",
		path: /^\/rest\/api\/3\/myself$/,
		scopes: ["read:jira-user"],
		handle: ({ user, base }) =>
			json({
				self: `${base}/rest/api/3/user?accountId=${user?.account_id}`,
				accountId: user?.account_id,
				accountType: user?.account_type,
				emailAddress: user?.email,
				displayName: user?.name,
				active: user?.account_status === "active",
				timeZone: user?.zoneinfo,
				locale: user?.locale,
			}),
	},
	{
		// Offset paging: startAt, maxResults, total, isLast.
		method: "GET",
		product: "jira",
		path: /^\/rest\/api\/3\/project\/search$/,
		scopes: JIRA_READ,
		handle: ({ url, site, base }) => {
			const startAt = Number(url.searchParams.get("startAt") ?? 0);
			const maxResults = Number(url.searchParams.get("maxResults") ?? 50);
			return json({
				self: `${base}/rest/api/3/project/search?startAt=${startAt}&maxResults=${maxResults}`,
				maxResults,
				startAt,
				total: site.projects.length,
				isLast: startAt + maxResults >= site.projects.length,
				values: site.projects.slice(startAt, startAt + maxResults).map((project) => ({
					self: `${base}/rest/api/3/project/${project.id}`,
					id: project.id,
					key: project.key,
					name: project.name,
					projectTypeKey: project.projectTypeKey,
					simplified: false,
					style: "classic",
					isPrivate: false,
				})),
			});
		},
	},
	{
		// Token paging: `nextPageToken` is absent (not null) on the last page (JRACLOUD-92184).
		method: "GET",
		product: "jira",
		path: /^\/rest\/api\/3\/search\/jql$/,
		scopes: JIRA_READ,
		handle: ({ url, site, base }) => {
			const projects = projectsOf(url.searchParams.get("jql") ?? "");
			const matching = (site.issues ?? []).filter((issue) => projects === null || projects.includes(issue.key.split("-")[0] as string));
			const maxResults = Math.min(Math.max(Number(url.searchParams.get("maxResults") ?? 50), 1), 5000);
			const token = url.searchParams.get("nextPageToken");
			const start = token === null ? 0 : Number(atob(token).replace(/^page:/, ""));
			if (!Number.isInteger(start) || start < 0) {
				return json({ errorMessages: ["The provided next page token is invalid or expired."], errors: {} }, 400);
			}
			const body: Record<string, unknown> = {
				issues: matching.slice(start, start + maxResults).map((issue) => issueJSON(issue, base)),
				isLast: start + maxResults >= matching.length,
			};
			if (start + maxResults < matching.length) body.nextPageToken = btoa(`page:${start + maxResults}`);
			return json(body);
		},
	},
	{
		method: "GET",
		product: "jira",
		path: /^\/rest\/api\/3\/issue\/([\w-]+)$/,
		scopes: JIRA_READ,
		handle: ({ params, site, base }) => {
			const issue = findIssue(site, params[0] as string);
			return issue ? json(issueJSON(issue, base)) : jiraNotFound("Issue");
		},
	},
	{
		method: "POST",
		product: "jira",
		path: /^\/rest\/api\/3\/issue$/,
		scopes: JIRA_WRITE,
		handle: async ({ request, site, base }) => {
			let fields: Record<string, unknown> = {};
			try {
				fields = ((await request.json()) as { fields?: Record<string, unknown> }).fields ?? {};
			} catch {
				return json({ errorMessages: ["Unexpected character in the request body: send JSON."], errors: {} }, 400);
			}
			const projectKey = String((fields.project as { key?: unknown } | undefined)?.key ?? "").toUpperCase();
			const errors: Record<string, string> = {};
			if (!site.projects.some((project) => project.key === projectKey)) errors.project = "Specify a valid project ID or key";
			if (typeof fields.summary !== "string" || fields.summary === "") errors.summary = "You must specify a summary of the issue.";
			if (Object.keys(errors).length > 0) return json({ errorMessages: [], errors }, 400);
			site.issues ??= [];
			const id = String(10_000 + site.issues.length + 1);
			const number = site.issues.filter((issue) => issue.key.startsWith(`${projectKey}-`)).length + 1;
			const issue: EmulatedIssue = {
				id,
				key: `${projectKey}-${number}`,
				summary: fields.summary as string,
				status: "To Do",
				issueType: String((fields.issuetype as { name?: unknown } | undefined)?.name ?? "Task"),
			};
			site.issues.push(issue);
			return json({ id, key: issue.key, self: `${base}/rest/api/3/issue/${id}` }, 201);
		},
	},
	{
		method: "PUT",
		product: "jira",
		path: /^\/rest\/api\/3\/issue\/([\w-]+)$/,
		scopes: JIRA_WRITE,
		handle: async ({ request, params, site }) => {
			const issue = findIssue(site, params[0] as string);
			if (!issue) return jiraNotFound("Issue");
			const fields = ((await request.json().catch(() => ({}))) as { fields?: { summary?: unknown } }).fields ?? {};
			if (typeof fields.summary === "string") issue.summary = fields.summary;
			return new Response(null, { status: 204 });
		},
	},
	{
		method: "DELETE",
		product: "jira",
		path: /^\/rest\/api\/3\/issue\/([\w-]+)$/,
		scopes: JIRA_WRITE,
		handle: ({ params, site }) => {
			const issue = findIssue(site, params[0] as string);
			if (!issue || !site.issues) return jiraNotFound("Issue");
			site.issues.splice(site.issues.indexOf(issue), 1);
			return new Response(null, { status: 204 });
		},
	},
	{
		// Confluence v2 takes granular scopes only: the classic ones get the scope-mismatch 401.
		method: "GET",
		product: "confluence",
		path: /^\/wiki\/api\/v2\/spaces$/,
		scopes: ["read:space:confluence"],
		handle: ({ url, site }) =>
			cursorPage(
				url,
				site.spaces,
				"/wiki/api/v2/spaces",
				(space) => ({ id: space.id, key: space.key, name: space.name, type: space.type, status: "current" }),
				site,
			),
	},
	{
		method: "GET",
		product: "confluence",
		path: /^\/wiki\/api\/v2\/pages$/,
		scopes: ["read:page:confluence"],
		handle: ({ url, site }) => {
			const spaceIds = url.searchParams.get("space-id")?.split(",");
			const pages = (site.pages ?? []).filter((page) => spaceIds === undefined || spaceIds.includes(page.spaceId));
			return cursorPage(
				url,
				pages,
				"/wiki/api/v2/pages",
				(page) => ({ id: page.id, title: page.title, spaceId: page.spaceId, status: "current", _links: { webui: `/pages/${page.id}` } }),
				site,
			);
		},
	},
];
