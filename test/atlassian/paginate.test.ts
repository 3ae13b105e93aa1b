import { inspect } from "node:util";
import { HttpResponse, http } from "msw";
import { afterEach, describe, expect, it } from "vitest";
import {
	ArcticFetchError,
	Atlassian,
	AtlassianAPIError,
	AtlassianPaginationError,
	AtlassianScopeError,
	createAtlassianFetch,
	createGatewayURL,
	type FetchFunction,
	paginate,
	UnexpectedResponseError,
} from "../../src/index.js";
import { DEFAULT_SITE } from "../../src/testing/index.js";
import { overLoopback, overMsw, REDIRECT_URI } from "../support/emulator-worlds.js";
import { type RawHttpServer, startRawHttpServer, streamBody, within } from "../support/raw-http-server.js";
import { rejection } from "../support/rejection.js";

const SCOPES = ["read:jira-work", "read:space:confluence", "read:page:confluence"];

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
	const all: T[] = [];
	for await (const page of pages) all.push(page);
	return all;
}

describe.each([
	["msw, on Atlassian's hosts", overMsw],
	["a loopback emulator", overLoopback],
])("paginate against the emulator over %s", (_, setUp) => {
	const world = setUp();

	async function connect(scopes = SCOPES) {
		const { emulator } = world();
		const atlassian = world().atlassian();
		const tokens = await atlassian.validateAuthorizationCode(emulator.issueAuthorizationCode({ redirectURI: REDIRECT_URI, scopes }));
		const fetch = createAtlassianFetch(atlassian, { accessToken: tokens.accessToken() });
		const served = (path: string) => emulator.requests.filter((request) => request.path.endsWith(path)).length;
		return { atlassian, fetch, served };
	}

	it("follows Jira's nextPageToken until it is absent, yielding exactly the pages served", async () => {
		const { atlassian, fetch, served } = await connect();
		const url = createGatewayURL(atlassian, "jira", DEFAULT_SITE.id, "rest/api/3/search/jql", { jql: "project = ENG", maxResults: 2 });
		const pages = await collect(paginate<{ issues: { key: string }[]; nextPageToken?: string }>(fetch, url));
		expect(pages.map((page) => page.issues.map((issue) => issue.key))).toEqual([["ENG-1", "ENG-2"], ["ENG-3", "ENG-4"], ["ENG-5"]]);
		expect(pages.at(-1)).not.toHaveProperty("nextPageToken");
		expect(served("/search/jql")).toBe(3);
	});

	it("follows Jira's offsets (startAt, maxResults, total, isLast)", async () => {
		const { atlassian, fetch, served } = await connect();
		const url = createGatewayURL(atlassian, "jira", DEFAULT_SITE.id, "rest/api/3/project/search", { maxResults: 2 });
		const pages = await collect(paginate<{ values: { key: string }[] }>(fetch, url));
		expect(pages.map((page) => page.values.map((project) => project.key))).toEqual([["ENG", "OPS"], ["MKT"]]);
		expect(served("/project/search")).toBe(2);
	});

	it("follows Confluence v2's relative _links.next, re-rooted onto the gateway", async () => {
		const { atlassian, fetch, served } = await connect();
		const url = createGatewayURL(atlassian, "confluence", DEFAULT_SITE.id, "wiki/api/v2/pages", { limit: 2 });
		const pages = await collect(paginate<{ results: { title: string }[] }>(fetch, url));
		expect(pages.map((page) => page.results.length)).toEqual([2, 2, 1]);
		expect(pages.flatMap((page) => page.results.map((result) => result.title))).toContain("Notes");
		expect(served("/wiki/api/v2/pages")).toBe(3);
		expect(world().otherRequests).toEqual([]);
	});

	it("reaching maxPages with pages left is an error the caller sees, never a silent end", async () => {
		const { atlassian, fetch, served } = await connect();
		const url = createGatewayURL(atlassian, "confluence", DEFAULT_SITE.id, "wiki/api/v2/spaces", { limit: 1 });
		const pages: unknown[] = [];
		const error = await rejection(
			(async () => {
				for await (const page of paginate(fetch, url, { maxPages: 1 })) pages.push(page);
			})(),
		);
		expect(error).toBeInstanceOf(AtlassianPaginationError);
		expect(error).toMatchObject({ reason: "max_pages" });
		expect(pages).toHaveLength(1);
		expect(served("/wiki/api/v2/spaces")).toBe(1);
		// A listing that fits ends normally.
		expect((await collect(paginate(fetch, url, { maxPages: 10 }))).length).toBeGreaterThan(1);
	});

	it("throws AtlassianScopeError for a page the token's scopes do not admit", async () => {
		const { atlassian, fetch } = await connect(["read:confluence-space.summary"]);
		const url = createGatewayURL(atlassian, "confluence", DEFAULT_SITE.id, "wiki/api/v2/spaces");
		expect(await rejection(collect(paginate(fetch, url)))).toBeInstanceOf(AtlassianScopeError);
	});
});

describe("paginate, with answers crafted in msw", () => {
	const world = overMsw();
	const CLOUD = DEFAULT_SITE.id;
	const base = `https://api.atlassian.com/ex/confluence/${CLOUD}`;
	const requested: string[] = [];
	const fetch: FetchFunction = (input, init) => {
		requested.push(String(input));
		return globalThis.fetch(input, init);
	};

	function serve(pages: Record<string, { body: Record<string, unknown>; headers?: Record<string, string> }>) {
		requested.length = 0;
		world().use(
			http.get(`${base}/wiki/api/v2/things`, ({ request }) => {
				const page = pages[new URL(request.url).searchParams.get("cursor") ?? "first"];
				return page
					? HttpResponse.json(page.body, { headers: page.headers })
					: HttpResponse.json({ message: "no such page" }, { status: 400 });
			}),
		);
	}

	it("follows a Link rel=next header when the body has no _links", async () => {
		serve({
			first: {
				body: { results: [1] },
				headers: { Link: '</wiki/api/v2/things?cursor=b>; rel="next", <https://acme.atlassian.net/wiki>; rel="base"' },
			},
			b: { body: { results: [2] } },
		});
		expect(await collect(paginate(fetch, `${base}/wiki/api/v2/things`))).toEqual([{ results: [1] }, { results: [2] }]);
	});

	it("re-roots a link on the site's own host, or on any other host, onto the gateway", async () => {
		serve({
			first: { body: { results: [1], _links: { next: "https://acme.atlassian.net/wiki/api/v2/things?cursor=b" } } },
			b: { body: { results: [2], _links: { next: "https://other.example/wiki/api/v2/things?cursor=c" } } },
			c: { body: { results: [3], _links: { next: `https://other.example/ex/confluence/${CLOUD}/wiki/api/v2/things?cursor=d` } } },
			d: { body: { results: [4] } },
		});
		expect(await collect(paginate(fetch, `${base}/wiki/api/v2/things`))).toHaveLength(4);
		expect(requested.every((url) => url.startsWith(`${base}/wiki/api/v2/things`))).toBe(true);
		expect(world().otherRequests).toEqual([]);
	});

	it.each([
		["another cloud id", `/ex/confluence/11111111-2222-3333-4444-555555555555/wiki/api/v2/things?cursor=b`],
		["another product", `/ex/jira/${CLOUD}/rest/api/3/things?cursor=b`],
		["another product, absolute on the gateway", `https://api.atlassian.com/ex/jira/${CLOUD}/rest/api/3/things?cursor=b`],
	])("refuses a next link to %s with AtlassianPaginationError (off_site), and requests nothing there", async (_, next) => {
		serve({ first: { body: { results: [1], _links: { next } } } });
		const pages: unknown[] = [];
		const error = await rejection(
			(async () => {
				for await (const page of paginate(fetch, `${base}/wiki/api/v2/things`)) pages.push(page);
			})(),
		);
		expect(error).toBeInstanceOf(AtlassianPaginationError);
		expect(error).toMatchObject({ reason: "off_site" });
		expect(pages).toHaveLength(1);
		expect(requested).toHaveLength(1);
	});

	it("a 3xx page is an UnexpectedResponseError, not an API error", async () => {
		// As createAtlassianFetch hands it over: redirects are never followed with a token.
		const redirected: FetchFunction = async () => new Response(null, { status: 302, headers: { Location: "/elsewhere" } });
		expect(await rejection(collect(paginate(redirected, `${base}/wiki/api/v2/moved`)))).toBeInstanceOf(UnexpectedResponseError);
	});

	it("refuses to loop on a repeated cursor", async () => {
		serve({
			first: { body: { results: [1], _links: { next: "/wiki/api/v2/things?cursor=b" } } },
			b: { body: { results: [2], _links: { next: "/wiki/api/v2/things?cursor=b" } } },
		});
		const pages: unknown[] = [];
		const error = await rejection(
			(async () => {
				for await (const page of paginate(fetch, `${base}/wiki/api/v2/things`)) pages.push(page);
			})(),
		);
		expect(error).toBeInstanceOf(AtlassianPaginationError);
		expect(pages).toHaveLength(2);
		expect(requested).toHaveLength(2);
	});

	it("stops on an empty offset page, even when total says there is more", async () => {
		requested.length = 0;
		world().use(
			http.get(`https://api.atlassian.com/ex/jira/${CLOUD}/rest/api/3/things`, ({ request }) => {
				const startAt = Number(new URL(request.url).searchParams.get("startAt") ?? 0);
				return HttpResponse.json({ startAt, maxResults: 2, total: 100, values: startAt === 0 ? [1, 2] : [] });
			}),
		);
		expect(await collect(paginate(fetch, `https://api.atlassian.com/ex/jira/${CLOUD}/rest/api/3/things`))).toHaveLength(2);
		expect(requested).toHaveLength(2);
	});

	it("needs a product URL of the gateway, and a sane maxPages", async () => {
		requested.length = 0;
		expect(await rejection(collect(paginate(fetch, "https://api.atlassian.com/me")))).toBeInstanceOf(TypeError);
		expect(await rejection(collect(paginate(fetch, `${base}/wiki/api/v2/things`, { maxPages: 0 })))).toBeInstanceOf(TypeError);
		expect(requested).toEqual([]);
	});
});

describe("paginate reads every page bounded and redacted, on a loopback server", () => {
	const CLOUD = DEFAULT_SITE.id;
	let server: RawHttpServer | undefined;
	afterEach(async () => {
		await server?.close();
		server = undefined;
	});

	async function gateway(handler: Parameters<typeof startRawHttpServer>[0]) {
		server = await startRawHttpServer(handler);
		const atlassian = new Atlassian("id", "secret", REDIRECT_URI, { hosts: { authorizationServer: server.url, apiGateway: server.url } });
		const fetch = createAtlassianFetch(atlassian, { accessToken: ACCESS_TOKEN });
		return { fetch, url: `${server.url}/ex/jira/${CLOUD}/rest/api/3/search/jql` };
	}
	const ACCESS_TOKEN = "eyJhbGciOi.the-bearer-token.signature";

	it("a page over maxPageBytes is an UnexpectedResponseError, and is not read whole", async () => {
		const sent = { written: 0 };
		const { fetch, url } = await gateway((_, response) => {
			response.writeHead(200, { "Content-Type": "application/json" });
			Object.assign(sent, streamBody(response, 300 * 1024 * 1024));
		});
		const error = await within(rejection(collect(paginate(fetch, url, { maxPageBytes: 1024 * 1024 }))), 10_000, "paginate");
		expect(error).toBeInstanceOf(UnexpectedResponseError);
		expect(error.message).toMatch(/over 1048576 bytes/);
		expect(sent.written).toBeLessThan(64 * 1024 * 1024);
	});

	it("a page whose body never ends fails at timeoutMs with ArcticFetchError", async () => {
		const { fetch, url } = await gateway((_, response) => {
			response.writeHead(200, { "Content-Type": "application/json" });
			response.write('{"issues":[');
		});
		const error = await within(rejection(collect(paginate(fetch, url, { timeoutMs: 300 }))), 5_000, "paginate");
		expect(error).toBeInstanceOf(ArcticFetchError);
		expect((error.cause as DOMException).name).toBe("TimeoutError");
	});

	it("an error page that echoes the bearer token has it redacted in AtlassianAPIError.data", async () => {
		const { fetch, url } = await gateway((request, response) => {
			response
				.writeHead(400, { "Content-Type": "application/json" })
				.end(JSON.stringify({ errorMessages: [`Bad request with ${request.headers.authorization}`] }));
		});
		const error = await rejection(collect(paginate(fetch, url)));
		expect(error).toBeInstanceOf(AtlassianAPIError);
		expect((error as AtlassianAPIError).data).toEqual({ errorMessages: ["Bad request with Bearer [REDACTED]"] });
		expect(JSON.stringify(error) + inspect(error, { depth: 10 })).not.toContain(ACCESS_TOKEN);
	});
});
