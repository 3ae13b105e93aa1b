// jira.js on this library's tokens: its Version3Client sends every request through createAtlassianFetch, so each
// access token comes from TokenManager (refreshed once, whatever the number of processes) and, with a budget, every
// worker shares one rate budget.
import { Version3Client } from "jira.js";
import { type Atlassian, createAtlassianFetch, type RateLimitBudget, type TokenManager } from "../src/index.js";

export function createJiraClient(
	atlassian: Atlassian,
	tokens: TokenManager,
	key: string,
	cloudId: string,
	budget?: RateLimitBudget,
): Version3Client {
	const fetch = createAtlassianFetch(atlassian, { tokens, key }, budget === undefined ? {} : { rateLimit: budget });
	return new Version3Client({
		// The site on Atlassian's API gateway: 3LO tokens work only there.
		host: `${atlassian.apiGateway}/ex/jira/${cloudId}`,
		// No `authentication`: createAtlassianFetch adds the bearer token, refreshes it after a 401, and waits out 429s.
		// axios (under jira.js) sends through it with its fetch adapter.
		baseRequestConfig: { adapter: "fetch", env: { fetch } },
	});
}

// Below: `npx tsx examples/jira-js.ts` signs in to the offline emulator, then lists issues through jira.js.
if (import.meta.url === `file://${process.argv[1]}`) {
	const { Atlassian, MemoryRateLimitStore, MemoryTokenStore, RateLimitBudget, TokenManager } = await import("../src/index.js");
	const { DEFAULT_CLIENT, DEFAULT_SITE, startAtlassianEmulator } = await import("../src/testing/index.js");
	const emulator = await startAtlassianEmulator();
	const redirectURI = DEFAULT_CLIENT.redirectURIs[0] as string;
	const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, redirectURI, { hosts: emulator.hosts });
	const tokens = new TokenManager(atlassian, { store: new MemoryTokenStore() });
	const code = emulator.emulator.issueAuthorizationCode({ redirectURI, scopes: ["read:jira-work", "read:jira-user", "offline_access"] });
	await tokens.save("demo-user", await atlassian.validateAuthorizationCode(code));
	const jira = createJiraClient(atlassian, tokens, "demo-user", DEFAULT_SITE.id, new RateLimitBudget(new MemoryRateLimitStore()));
	const page = await jira.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: "project = ENG", fields: ["summary"] });
	for (const issue of page.issues ?? []) console.log(`${issue.key}: ${issue.fields?.summary}`);
	await emulator.close();
}
