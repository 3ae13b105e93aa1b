// The demo app: "Sign in with Atlassian" built only on the library's public API.
// In your own app, import from "atlassian-3lo" instead of "../src/index.js".
import {
	type AccessibleResource,
	type Atlassian,
	AtlassianScopeError,
	AuthorizationCallbackError,
	clearLoginStateCookie,
	createAtlassianFetch,
	createGatewayURL,
	createLoginResponse,
	generateState,
	isConsentDeclined,
	isReauthorizationRequired,
	MemoryTokenStore,
	OAuth2RequestError,
	paginate,
	SiteNotAccessibleError,
	selectSite,
	TokenManager,
	type TokenStore,
	validateLoginCallback,
} from "../src/index.js";

export const DEMO_SCOPES = ["read:me", "offline_access", "read:jira-work", "read:jira-user"];
const SESSION_COOKIE = "demo_session";

interface Session {
	/** The TokenManager key of this browser's connection. Tokens never leave the server. */
	connection: string;
}

function escapeHTML(value: unknown): string {
	return String(value ?? "").replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function page(title: string, body: string, status = 200, headers: HeadersInit = {}): Response {
	const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHTML(title)} – atlassian-3lo demo</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2.5rem auto;color:#172b4d;line-height:1.5}code{background:#f4f5f7;padding:0 .25rem}table{border-collapse:collapse}td,th{border:1px solid #dfe1e6;padding:.25rem .5rem;text-align:left}form{display:inline}button,a.button{font-size:1rem;padding:.4rem 1rem;margin-right:.5rem}</style></head>
<body><h1>${escapeHTML(title)}</h1>${body}</body></html>`;
	const responseHeaders = new Headers(headers);
	responseHeaders.set("Content-Type", "text/html; charset=utf-8");
	responseHeaders.set("Cache-Control", "no-store");
	return new Response(html, { status, headers: responseHeaders });
}

function redirect(location: string, headers: HeadersInit = {}): Response {
	const responseHeaders = new Headers(headers);
	responseHeaders.set("Location", location);
	return new Response(null, { status: 303, headers: responseHeaders });
}

function readCookie(request: Request, name: string): string | null {
	for (const part of (request.headers.get("Cookie") ?? "").split(";")) {
		const [key, ...value] = part.trim().split("=");
		if (key === name) return value.join("=");
	}
	return null;
}

export interface DemoAppOptions {
	atlassian: Atlassian;
	/** Where the sign-in goes: shown on the home page. */
	providerLabel: string;
	/** Where the tokens live. Default: a `MemoryTokenStore`. */
	store?: TokenStore;
}

/** The whole demo as one Web `Request` → `Response` function (served by `startLoopbackServer`). */
export function createDemoApp({ atlassian, providerLabel, store }: DemoAppOptions): (request: Request) => Promise<Response> {
	const tokens = new TokenManager(atlassian, { store: store ?? new MemoryTokenStore() });
	const sessions = new Map<string, Session>();

	/** The site whose projects are shown: the one picked (`?site=<cloud id>`), or the only one; never "the first". */
	function chosenSite(sites: AccessibleResource[], picked: string | null): AccessibleResource | undefined {
		if (picked === null) return sites.length === 1 ? sites[0] : undefined;
		try {
			return selectSite(sites, picked);
		} catch (error) {
			if (error instanceof SiteNotAccessibleError) return undefined;
			throw error;
		}
	}

	async function home(session: Session | undefined, url: URL): Promise<Response> {
		if (session === undefined) {
			return page(
				"Sign in with Atlassian",
				`<p>Signs in against <strong>${escapeHTML(providerLabel)}</strong>.</p><p><a class="button" href="/login/atlassian">Sign in with Atlassian</a></p>`,
			);
		}
		const accessToken = await tokens.getAccessToken(session.connection);
		const [user, sites, tokenSet] = await Promise.all([
			atlassian.getUser(accessToken),
			atlassian.getAccessibleResources(accessToken),
			tokens.getTokenSet(session.connection),
		]);
		const site = chosenSite(sites, url.searchParams.get("site"));
		let projects = sites.length === 0 ? "<p>No site was shared with this app.</p>" : "<p>Pick a site above to see its Jira projects.</p>";
		if (site) {
			try {
				// Through the gateway fetch: refreshed once on an expired token, rate limits waited out, pages followed.
				const jira = createAtlassianFetch(atlassian, { tokens, key: session.connection });
				const rows: string[] = [];
				const search = createGatewayURL(atlassian, "jira", site.id, "rest/api/3/project/search", { maxResults: 50 });
				for await (const page of paginate<{ values: { key: string; name: string }[] }>(jira, search, { maxPages: 10 })) {
					rows.push(...page.values.map((project) => `<tr><td>${escapeHTML(project.key)}</td><td>${escapeHTML(project.name)}</td></tr>`));
				}
				projects = `<table id="projects"><tr><th>Key</th><th>Name</th></tr>${rows.join("")}</table>`;
			} catch (error) {
				if (!(error instanceof AtlassianScopeError)) throw error;
				projects = "<p>Jira refused: the token lacks <code>read:jira-work</code>. Enable it on the app and sign in again.</p>";
			}
		}
		const siteRows = sites
			.map(
				(s) =>
					`<tr><td><a href="/?site=${encodeURIComponent(s.id)}">${escapeHTML(s.name)}</a></td><td><code>${escapeHTML(s.id)}</code></td><td>${escapeHTML(s.url)}</td></tr>`,
			)
			.join("");
		return page(
			`Signed in as ${user.name}`,
			`<p id="user"><img src="${escapeHTML(user.picture)}" alt="" width="32" height="32"> <strong id="user-name">${escapeHTML(user.name)}</strong> — <span id="user-email">${escapeHTML(user.email ?? "(email hidden)")}</span></p>
<h2>Sites</h2><table id="sites"><tr><th>Name</th><th>Cloud id</th><th>URL</th></tr>${siteRows}</table>
<h2>Jira projects of ${escapeHTML(site?.name ?? "—")}</h2>${projects}
<h2>Tokens</h2><p>Kept on the server only. Access token expires at <time id="expires-at">${escapeHTML(new Date(tokenSet?.expiresAt ?? 0).toISOString())}</time>; token set version <span id="token-version">${escapeHTML(tokenSet?.version)}</span>.</p>
<form method="post" action="/refresh"><button type="submit">Refresh tokens</button></form>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`,
		);
	}

	async function callback(request: Request): Promise<Response> {
		const clearState = { "Set-Cookie": clearLoginStateCookie(atlassian) };
		try {
			const { tokens: granted } = await validateLoginCallback(atlassian, request);
			const connection = generateState();
			await tokens.save(connection, granted);
			const sessionId = generateState();
			sessions.set(sessionId, { connection });
			const headers = new Headers(clearState);
			headers.append("Set-Cookie", `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Lax`);
			return redirect("/", headers);
		} catch (error) {
			if (error instanceof AuthorizationCallbackError) {
				return page(
					"Invalid sign-in request",
					`<p id="error">The sign-in was refused (${escapeHTML(error.reason)}). <a href="/">Start again</a>.</p>`,
					400,
					clearState,
				);
			}
			if (isConsentDeclined(error)) {
				return page(
					"You declined access",
					`<p id="error">You declined access to your Atlassian account, so nothing was shared. <a href="/">Back</a>.</p>`,
					403,
					clearState,
				);
			}
			if (error instanceof OAuth2RequestError && error.code === "invalid_grant") {
				// A double submit or the back button: the code was already exchanged.
				return page(
					"Sign-in link already used",
					`<p id="error">This sign-in link was already used. <a href="/">Sign in again</a>.</p>`,
					400,
					clearState,
				);
			}
			throw error;
		}
	}

	return async (request) => {
		const url = new URL(request.url);
		const sessionId = readCookie(request, SESSION_COOKIE);
		const session = sessionId === null ? undefined : sessions.get(sessionId);
		const route = `${request.method} ${url.pathname}`;
		try {
			if (route === "GET /") return await home(session, url);
			if (route === "GET /login/atlassian") return createLoginResponse(atlassian, DEMO_SCOPES);
			if (route === "GET /login/atlassian/callback") return await callback(request);
			if (route === "POST /refresh" && session) {
				await tokens.refresh(session.connection);
				return redirect("/");
			}
			if (route === "POST /logout") {
				if (session && sessionId) {
					await tokens.delete(session.connection);
					sessions.delete(sessionId);
				}
				return redirect("/", { "Set-Cookie": `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax` });
			}
			return page("Not found", '<p><a href="/">Home</a></p>', 404);
		} catch (error) {
			if (session && sessionId && isReauthorizationRequired(error)) {
				sessions.delete(sessionId);
				return page(
					"Please sign in again",
					'<p>Atlassian no longer accepts this connection. <a href="/login/atlassian">Sign in again</a>.</p>',
					401,
				);
			}
			console.error(error);
			return page(
				"Something went wrong",
				`<p>${escapeHTML(error instanceof Error ? `${error.name}: ${error.message}` : "Unexpected error")}</p>`,
				502,
			);
		}
	};
}
