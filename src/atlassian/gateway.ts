/** Products served under the gateway's `/ex/{product}/{cloudId}/…` (Jira Service Management and Jira Software live under `jira`). */
export type AtlassianProduct = "jira" | "confluence" | (string & {});

const CLOUD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PRODUCT = /^[a-z][a-z0-9-]*$/;

/**
 * A product API URL on the gateway, e.g. `https://api.atlassian.com/ex/jira/{cloudId}/rest/api/3/myself`.
 * 3LO access tokens are accepted only there, never on `your-site.atlassian.net`.
 *
 * `path` is split on `/` and every segment is percent-encoded, so an issue key or a page title cannot
 * inject a query or climb out of the site with `..`; pass query parameters in `query`.
 */
export function createGatewayURL(
	atlassian: { readonly apiGateway: string } | string,
	product: AtlassianProduct,
	cloudId: string,
	path: string,
	query?: Record<string, string | number | boolean> | URLSearchParams,
): URL {
	if (!PRODUCT.test(product)) {
		throw new TypeError(`Invalid Atlassian product "${product}": use e.g. "jira" or "confluence"`);
	}
	if (!CLOUD_ID.test(cloudId)) {
		throw new TypeError(`Invalid cloud id "${cloudId}": use the \`id\` of a site from getAccessibleResources() (a UUID)`);
	}
	const segments = path.split("/").filter((segment) => segment !== "");
	if (segments.some((segment) => segment === "." || segment === "..")) {
		throw new TypeError(`Invalid API path "${path}": "." and ".." segments are not allowed`);
	}
	const origin = typeof atlassian === "string" ? atlassian.replace(/\/+$/, "") : atlassian.apiGateway;
	const url = new URL(`${origin}/ex/${product}/${cloudId.toLowerCase()}/${segments.map(encodeURIComponent).join("/")}`);
	for (const [name, value] of query instanceof URLSearchParams ? query : Object.entries(query ?? {})) {
		url.searchParams.append(name, String(value));
	}
	return url;
}
