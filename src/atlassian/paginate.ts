import { isJsonObject, parseJson } from "../oauth2/json.js";
import type { FetchFunction, RequestOptions } from "../oauth2/transport.js";
import { atlassianAPIError } from "./api-error.js";

export interface PaginateOptions extends RequestOptions {
	/** Stop after this many pages. Default 1 000. */
	maxPages?: number;
	/** Headers sent with every page request (the fetch function adds the bearer token). */
	headers?: HeadersInit;
}

/** Pagination broke off: the server sent the same next page twice, which would loop forever. */
export class AtlassianPaginationError extends Error {
	/** The page URL that came back a second time. */
	public url: string;

	constructor(url: string) {
		super(`Pagination stopped: the next page (${url}) was already fetched; the API repeated its cursor`);
		this.name = "AtlassianPaginationError";
		this.url = url;
	}
}

/**
 * The parsed pages of a list endpoint, fetched one at a time as you iterate, following whichever paging
 * style the answers use:
 * - Jira's `nextPageToken` (`/rest/api/3/search/jql`), absent on the last page;
 * - Jira's offsets (`startAt`, `maxResults`, `total`, `isLast`);
 * - Confluence v2's cursor, in `_links.next` or a `Link: <…>; rel="next"` header, whose relative (or site-host)
 *   links are re-rooted onto the gateway's `/ex/{product}/{cloudId}`.
 *
 * Every page is requested from the first URL's gateway origin and site, whatever a link says. A 4xx/5xx
 * page throws an `AtlassianAPIError` (an `AtlassianScopeError` for a missing scope).
 */
export async function* paginate<Page = unknown>(
	fetchFunction: FetchFunction,
	url: string | URL,
	options: PaginateOptions = {},
): AsyncGenerator<Page, void, undefined> {
	const maxPages = options.maxPages ?? 1_000;
	if (!(Number.isInteger(maxPages) && maxPages >= 1)) {
		throw new TypeError(`maxPages must be a whole number, 1 or more, got ${String(maxPages)}`);
	}
	let next: URL | null = new URL(url);
	const root = siteRoot(next);
	const fetched = new Set<string>();
	for (let pages = 0; next !== null && pages < maxPages; pages++) {
		if (fetched.has(next.href)) {
			throw new AtlassianPaginationError(next.href);
		}
		fetched.add(next.href);
		const response = await fetchFunction(next, { headers: options.headers, signal: options.signal });
		const text = await response.text();
		const body = parseJson(text);
		if (!response.ok) {
			throw atlassianAPIError(response.status, body ?? null, response.headers);
		}
		yield body as Page;
		next = nextPage(next, body, response.headers, root);
	}
}

/** Where every page of a listing is requested: the first URL's origin, its gateway path prefix, and its site (`…/ex/{product}/{cloudId}`). */
interface SiteRoot {
	origin: string;
	/** An emulator may be mounted under a path; Atlassian's gateway has none (`""`). */
	gatewayPrefix: string;
	site: string;
}

function siteRoot(url: URL): SiteRoot {
	const match = /^(.*?)(\/ex\/[^/]+\/[^/]+)(?:\/|$)/.exec(url.pathname);
	if (match === null) {
		throw new TypeError(`paginate() needs a product URL of the gateway (…/ex/{product}/{cloudId}/…), got ${url.href}`);
	}
	const gatewayPrefix = match[1] as string;
	return { origin: url.origin, gatewayPrefix, site: `${url.origin}${gatewayPrefix}${match[2]}` };
}

function nextPage(current: URL, body: unknown, headers: Headers, root: SiteRoot): URL | null {
	if (!isJsonObject(body) || body.isLast === true) {
		return null;
	}
	if (typeof body.nextPageToken === "string" && body.nextPageToken !== "") {
		const next = new URL(current);
		next.searchParams.set("nextPageToken", body.nextPageToken);
		return next;
	}
	if (typeof body.startAt === "number" && typeof body.maxResults === "number" && body.maxResults > 0) {
		const startAt = body.startAt + body.maxResults;
		const items = [body.values, body.issues, body.results].find(Array.isArray);
		// Without `total`, only `isLast: false` says there is more; an empty page never leads anywhere.
		if (items?.length === 0 || (typeof body.total === "number" ? startAt >= body.total : body.isLast !== false)) {
			return null;
		}
		const next = new URL(current);
		next.searchParams.set("startAt", String(startAt));
		return next;
	}
	const links = body._links;
	const link = isJsonObject(links) && typeof links.next === "string" ? links.next : linkHeaderNext(headers.get("link"));
	return link === null ? null : onGateway(link, root);
}

/** The `rel="next"` target of a `Link` header (RFC 8288), or `null`. */
function linkHeaderNext(header: string | null): string | null {
	for (const part of header?.split(",") ?? []) {
		const match = /^\s*<([^>]*)>(.*)$/.exec(part);
		if (match && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(match[2] as string)) {
			return match[1] as string;
		}
	}
	return null;
}

/**
 * A next link on the gateway: a path already under `/ex/…` stays on the first URL's gateway origin; any other
 * path (`/wiki/api/v2/…`, relative or on the site's own host) is re-rooted under the site's `/ex/{product}/{cloudId}`.
 */
function onGateway(link: string, root: SiteRoot): URL {
	const parsed = new URL(link, "https://placeholder.invalid");
	const path = `${parsed.pathname}${parsed.search}`;
	return new URL(parsed.pathname.startsWith(`${root.gatewayPrefix}/ex/`) ? `${root.origin}${path}` : `${root.site}${path}`);
}
