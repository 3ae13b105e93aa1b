import { brandError } from "../internal/error-brand.js";
import type { AccessibleResource } from "./accessible-resources.js";

/** None of the sites a grant reaches is the one asked for. */
export class SiteNotAccessibleError extends Error {
	/** The site URL or cloud id that was asked for. */
	public site: string;
	/** The URLs of the sites the grant does reach. */
	public accessibleSites: string[];

	constructor(site: string, accessibleSites: string[]) {
		super(
			`The Atlassian site "${site}" is not accessible with this grant (it reaches ${
				accessibleSites.length === 0 ? "no site" : accessibleSites.join(", ")
			}): have the user sign in again and choose that site on the consent page`,
		);
		this.name = "SiteNotAccessibleError";
		this.site = site;
		this.accessibleSites = accessibleSites;
	}
}
brandError(SiteNotAccessibleError, "SiteNotAccessibleError");

/**
 * The accessible resource for a site, by its URL (`https://acme.atlassian.net`, trailing slash and case
 * tolerated) or its cloud id. Atlassian lists sites in no particular order, and they accumulate across
 * consents, so "the first one" is whichever site Atlassian happened to list first: choose by name instead.
 */
export function selectSite(resources: readonly AccessibleResource[], siteUrlOrCloudId: string): AccessibleResource {
	const wanted = normalize(siteUrlOrCloudId);
	const site = resources.find((resource) => resource.id.toLowerCase() === wanted || normalize(resource.url) === wanted);
	if (site === undefined) {
		throw new SiteNotAccessibleError(
			siteUrlOrCloudId,
			resources.map((resource) => resource.url),
		);
	}
	return site;
}

function normalize(value: string): string {
	return value
		.trim()
		.replace(/\/+$/, "")
		.replace(/^https:\/\//i, "")
		.toLowerCase();
}
