import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createJiraClient } from "../../examples/jira-js.js";
import { Atlassian, MemoryRateLimitStore, MemoryTokenStore, RateLimitBudget, TokenManager } from "../../src/index.js";
import { DEFAULT_CLIENT, DEFAULT_SITE, type RunningAtlassianEmulator, startAtlassianEmulator } from "../../src/testing/index.js";

// docs/recipes/jira-js.md as it runs: jira.js's Version3Client on this library's tokens and rate budget, against
// the emulator's gateway over loopback HTTP.
describe("jira.js through createAtlassianFetch", () => {
	let emulator: RunningAtlassianEmulator;
	beforeEach(async () => {
		emulator = await startAtlassianEmulator();
	});
	afterEach(async () => {
		await emulator.close();
	});

	async function signedIn() {
		const redirectURI = DEFAULT_CLIENT.redirectURIs[0] as string;
		const atlassian = new Atlassian(DEFAULT_CLIENT.clientId, DEFAULT_CLIENT.clientSecret, redirectURI, { hosts: emulator.hosts });
		const tokens = new TokenManager(atlassian, { store: new MemoryTokenStore(), now: () => emulator.emulator.now() });
		const code = emulator.emulator.issueAuthorizationCode({
			redirectURI,
			scopes: ["read:jira-work", "write:jira-work", "read:jira-user", "offline_access"],
		});
		await tokens.save("mia", await atlassian.validateAuthorizationCode(code));
		return { atlassian, tokens };
	}

	const tokenRequests = () => emulator.emulator.requests.filter((request) => request.path === "/oauth/token").length;

	it("reads, searches and writes with the stored token; an expired one is refreshed once for concurrent calls", async () => {
		const { atlassian, tokens } = await signedIn();
		const jira = createJiraClient(atlassian, tokens, "mia", DEFAULT_SITE.id);
		expect((await jira.myself.getCurrentUser()).accountId).toBeTruthy();
		const page = await jira.issueSearch.searchForIssuesUsingJqlEnhancedSearch({ jql: "project = ENG", fields: ["summary"] });
		expect(page.issues?.map((issue) => issue.key)).toContain("ENG-1");
		const created = await jira.issues.createIssue({
			fields: { project: { key: "ENG" }, summary: "From jira.js", issuetype: { name: "Task" } },
		});
		expect(created.key).toMatch(/^ENG-\d+$/);
		const before = tokenRequests();
		emulator.emulator.advanceTime(3_600_000); // the access token has expired
		await Promise.all([1, 2, 3].map(() => jira.myself.getCurrentUser()));
		expect(tokenRequests() - before).toBe(1);
		expect(emulator.emulator.refreshStats.revocations).toBe(0);
	});

	it("with one budget, a 429 one client gets holds back another's calls in that scope until the pause ends", async () => {
		const { atlassian, tokens } = await signedIn();
		const store = new MemoryRateLimitStore();
		const [first, second] = [1, 2].map(() => createJiraClient(atlassian, tokens, "mia", DEFAULT_SITE.id, new RateLimitBudget(store)));
		await first?.myself.getCurrentUser();
		const gateway = () => emulator.emulator.requests.filter((request) => request.path.startsWith("/ex/")).length;
		const before = gateway();
		// Atlassian's next answer: a burst 429 with Retry-After 1 s.
		emulator.emulator.injectFault({
			pathPrefix: "/ex/",
			status: 429,
			body: '{"code":429,"message":"Rate limit exceeded"}',
			headers: { "Retry-After": "1", "RateLimit-Reason": "jira-burst-based" },
		});
		const started = Date.now();
		const [, secondDoneAt] = await Promise.all([
			first?.myself.getCurrentUser(),
			new Promise((resolve) => setTimeout(resolve, 100)).then(async () => {
				await second?.myself.getCurrentUser();
				return Date.now();
			}),
		]);
		// The second client waited out the first's pause instead of running into it.
		expect((secondDoneAt as number) - started).toBeGreaterThanOrEqual(900);
		expect(gateway() - before).toBe(3); // the 429, the first client's retry, the second's one call
	});
});
