import { deadlineSignal } from "../internal/abortable.js";
import { brandError } from "../internal/error-brand.js";
import { isJsonObject, parseJson } from "../internal/json.js";
import { checkTimerDuration } from "../internal/timer-duration.js";
import { ArcticFetchError } from "../oauth2/errors.js";
import { redactCause } from "../oauth2/redaction.js";
import { type FetchFunction, type RequestOptions, readBodyText, secretsOf } from "../oauth2/transport.js";
import { processGatewayResponse } from "./resource-request.js";

export interface PaginateOptions extends RequestOptions {
	/** The most pages fetched. A listing with more ends in `AtlassianPaginationError` (`max_pages`), never silently. Default 1 000. */
	maxPages?: number;
	/** Headers sent with every page request (the fetch function adds the bearer token). */
	headers?: HeadersInit;
	/** The largest page body read, in bytes; a larger one is an `UnexpectedResponseError`. Default 16 MiB. */
	maxPageBytes?: number;
	/** Deadline for each page, from its request until its body is read, in ms. Default 30 000. */
	timeoutMs?: number;
}

/** Why a listing broke off: a repeated cursor, a next link off the first URL's site and product, or `maxPages` reached. */
export type AtlassianPaginationFailure = "repeated_cursor" | "off_site" | "max_pages";

const MESSAGES: Record<AtlassianPaginationFailure, (url: string) => string> = {
	repeated_cursor: (url) => `Pagination stopped: the next page (${url}) was already fetched; the API repeated its cursor`,
	off_site: (url) =>
		`Pagination stopped: the next page (${url}) is on another site or product than the first; paginate() stays on the first URL's /ex/{product}/{cloudId}`,
	max_pages: (url) =>
		`Pagination stopped at maxPages with more pages left (next: ${url}); the listing is incomplete: raise maxPages, or narrow the query`,
};

/** Pagination broke off, and the pages yielded so far are not the whole listing (see `reason`). */
export class AtlassianPaginationError extends Error {
	/** The next page's URL, which was not fetched. */
	public url: string;
	public reason: AtlassianPaginationFailure;

	constructor(url: string, reason: AtlassianPaginationFailure = "repeated_cursor") {
		super(MESSAGES[reason](url));
		this.name = "AtlassianPaginationError";
		this.url = url;
		this.reason = reason;
	}
}
brandError(AtlassianPaginationError, "AtlassianPaginationError");

const DEFAULT_MAX_PAGE_BYTES = 16 * 1024 * 1024;

/**
 * The parsed pages of a list endpoint, fetched one at a time as you iterate, following whichever paging
 * style the answers use:
 * - Jira's `nextPageToken` (`/rest/api/3/search/jql`), absent on the last page;
 * - Jira's offsets (`startAt`, `maxResults`, `total`, `isLast`);
 * - Confluence v2's cursor, in `_links.next` or a `Link: <…>; rel="next"` header, whose relative (or site-host)
 *   links are re-rooted onto the gateway's `/ex/{product}/{cloudId}`.
 *
 * Every page is requested from the first URL's gateway origin and site; a link to another site or product is
 * refused (`AtlassianPaginationError`, `off_site`), and so is a listing longer than `maxPages` (`max_pages`). Each
 * page is read capped (`maxPageBytes`) under a deadline (`timeoutMs`), and classified as `getResource` does: a
 * 4xx/5xx page throws an `AtlassianAPIError` (an `AtlassianScopeError` for a missing scope) whose data has the
 * access token redacted, any other non-JSON answer an `UnexpectedResponseError`.
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
	const maxBytes = options.maxPageBytes ?? DEFAULT_MAX_PAGE_BYTES;
	if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) {
		throw new TypeError(`maxPageBytes must be a whole number of bytes above 0, got ${String(maxBytes)}`);
	}
	const timeoutMs = checkTimerDuration("timeoutMs", options.timeoutMs ?? 30_000);
	let next: URL | null = new URL(url);
	const root = siteRoot(next);
	const fetched = new Set<string>();
	for (let pages = 0; next !== null; pages++) {
		if (fetched.has(next.href)) {
			throw new AtlassianPaginationError(next.href, "repeated_cursor");
		}
		if (pages === maxPages) {
			throw new AtlassianPaginationError(next.href, "max_pages");
		}
		fetched.add(next.href);
		const { body, headers } = await fetchPage(fetchFunction, next, options, maxBytes, timeoutMs);
		yield body as Page;
		next = nextPage(next, body, headers, root);
	}
}

/** One page, fetched and read under one deadline and the caller's signal, and classified as every gateway answer is. */
async function fetchPage(
	fetchFunction: FetchFunction,
	url: URL,
	options: PaginateOptions,
	maxBytes: number,
	timeoutMs: number,
): Promise<{ body: unknown; headers: Headers }> {
	const { signal, clear } = deadlineSignal(timeoutMs, options.signal, "The page was not read");
	let response: Response | undefined;
	try {
		response = await fetchFunction(url, { headers: options.headers, signal });
		const text = await readBodyText(response, { maxBytes, signal });
		const json = parseJson(text);
		// The request's secrets are worked out only for an answer that can become an error.
		const secrets = response.ok && json !== undefined ? [] : secretsOf(response);
		const body = processGatewayResponse({ status: response.status, headers: response.headers, json, secrets });
		return { body, headers: response.headers };
	} catch (error) {
		if (!(signal.aborted && error === signal.reason)) throw error;
		throw new ArcticFetchError(redactCause(error, response === undefined ? [] : secretsOf(response)));
	} finally {
		clear();
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
 * A next link on the gateway: a path already under `/ex/…` stays on the first URL's gateway origin, and must be
 * under its `/ex/{product}/{cloudId}` (else `off_site`); any other path (`/wiki/api/v2/…`, relative or on the
 * site's own host) is re-rooted under the site's `/ex/{product}/{cloudId}`.
 */
function onGateway(link: string, root: SiteRoot): URL {
	const parsed = new URL(link, "https://placeholder.invalid");
	const path = `${parsed.pathname}${parsed.search}`;
	if (!parsed.pathname.startsWith(`${root.gatewayPrefix}/ex/`)) {
		return new URL(`${root.site}${path}`);
	}
	const next = new URL(`${root.origin}${path}`);
	if (!`${next.origin}${next.pathname}`.startsWith(`${root.site}/`)) {
		throw new AtlassianPaginationError(next.href, "off_site");
	}
	return next;
}
