import { expect, it } from "vitest";
import { type AtlassianScope, AtlassianScopes } from "../../src/index.js";

it("has the granular scopes the Confluence v2 and newer Jira APIs document, in Atlassian's action:resource:product form", () => {
	const granular: AtlassianScope[] = [
		...Object.values(AtlassianScopes.CONFLUENCE_GRANULAR),
		...Object.values(AtlassianScopes.JIRA_GRANULAR),
	];
	expect(granular).toContain("read:page:confluence");
	expect(granular).toContain("read:space:confluence");
	expect(granular).toContain("write:page:confluence");
	expect(granular).toContain("read:issue:jira");
	for (const scope of granular) expect(scope).toMatch(/^(read|write|delete):[a-z.-]+:(confluence|jira)$/);
	expect(new Set(granular).size).toBe(granular.length);
});
