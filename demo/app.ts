// The demo app: "Sign in with Atlassian" and what comes after, built only on the library's public API.
// In your own app, import from "atlassian-3lo" instead of "../src/index.js".
import {
	type AccessibleResource,
	Atlassian,
	type AtlassianHostOverrides,
	AtlassianScopeError,
	AuthorizationCallbackError,
	type ConnectionEvent,
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
	type StoredTokenSet,
	selectSite,
	TokenManager,
	type TokenStore,
	validateLoginCallback,
} from "../src/index.js";
import type { AtlassianEmulator } from "../src/testing/index.js";
import { ActivityLog, type RecordedRequest, redactedToken } from "./activity.js";
import { breakable, escapeHTML, FAVICON_SVG, page } from "./layout.js";

export const DEMO_SCOPES = ["read:me", "offline_access", "read:jira-work", "write:jira-work", "read:jira-user"];
const SESSION_COOKIE = "demo_session";
const HOUR_MS = 3_600_000;

interface TimelineEntry {
	version: number;
	accessToken: string;
	issuedAt: number;
	expiresAt: number;
	by: string;
}

interface Narration {
	title: string;
	tone: "success" | "warning" | "error";
	/** The library calls behind the action, in order, in plain words. */
	steps: string[];
	requests: RecordedRequest[];
}

interface Session {
	/** The TokenManager key of this browser's connection. Tokens never leave the server. */
	connection: string;
	siteId?: string;
	timeline: TimelineEntry[];
	narration?: Narration;
}

export interface DemoAppOptions {
	clientId: string;
	clientSecret: string;
	redirectURI: string;
	/** Where Atlassian is: the emulator's origins, or real Atlassian when omitted. */
	hosts?: AtlassianHostOverrides;
	/** Where the sign-in goes: shown on the home page. */
	providerLabel: string;
	/** Where the tokens live. Default: a `MemoryTokenStore`. */
	store?: TokenStore;
	/** The emulator behind `hosts`, for the clock and the failure drills; without it those are hidden. */
	emulator?: AtlassianEmulator;
}

function readCookie(request: Request, name: string): string | null {
	for (const part of (request.headers.get("Cookie") ?? "").split(";")) {
		const [key, ...value] = part.trim().split("=");
		if (key === name) return value.join("=");
	}
	return null;
}

function redirect(location: string, headers: HeadersInit = {}): Response {
	const responseHeaders = new Headers(headers);
	responseHeaders.set("Location", location);
	return new Response(null, { status: 303, headers: responseHeaders });
}

function requestTable(requests: RecordedRequest[]): string {
	if (requests.length === 0) return '<p class="small muted">No request left the server.</p>';
	const rows = requests
		.map(
			(request) =>
				`<tr><td>${escapeHTML(request.method)}</td><td>${breakable(request.host)}</td><td><code>${breakable(request.path)}</code></td><td class="${
					typeof request.status === "number" && request.status < 400 ? "status-ok" : "status-bad"
				}">${escapeHTML(request.status)}</td><td>${escapeHTML(request.ms)} ms</td></tr>`,
		)
		.join("");
	return `<table class="requests"><caption class="small muted" style="text-align:left">Requests the server made</caption><tr><th scope="col">Method</th><th scope="col">Host</th><th scope="col">Path</th><th scope="col">Status</th><th scope="col">Took</th></tr>${rows}</table>`;
}

/** The whole demo as one Web `Request` → `Response` function (served by `startLoopbackServer`). */
export function createDemoApp(options: DemoAppOptions): (request: Request) => Promise<Response> {
	const { emulator, providerLabel } = options;
	const activity = new ActivityLog();
	const atlassian = new Atlassian(options.clientId, options.clientSecret, options.redirectURI, {
		hosts: options.hosts,
		fetch: activity.fetch,
	});
	const store = options.store ?? new MemoryTokenStore();
	// The demo's clock: "fast-forward 1 hour" moves it together with the emulator's.
	let clockOffsetMs = 0;
	const now = () => Date.now() + clockOffsetMs;
	const sessions = new Map<string, Session>();
	const sessionsByConnection = new Map<string, Session>();
	const recordRefresh = (by: string) => (key: string, set: StoredTokenSet) => {
		sessionsByConnection.get(key)?.timeline.push({
			version: set.version,
			accessToken: set.accessToken,
			issuedAt: set.issuedAt ?? now(),
			expiresAt: set.expiresAt,
			by,
		});
	};
	// Every change to a connection, told once for the whole fleet (here: this server and the drills' workers).
	const fleetEvents: ConnectionEvent[] = [];
	const onConnectionEvent = (event: ConnectionEvent) => {
		if (fleetEvents.some((seen) => seen.id === event.id)) return; // told again after a crash: already shown
		fleetEvents.unshift(event);
		fleetEvents.length = Math.min(fleetEvents.length, 50);
	};
	const tokens = new TokenManager(atlassian, { store, now, onRefresh: recordRefresh("this web server"), onConnectionEvent });

	async function narrate(session: Session, title: string, steps: string[], work: () => Promise<string | undefined>): Promise<void> {
		const { requests, result, error } = await activity.capture(work);
		if (error !== undefined && isReauthorizationRequired(error)) throw error;
		session.narration = {
			title,
			tone: error === undefined ? (result?.startsWith("!") ? "warning" : "success") : "error",
			steps: [...steps, error === undefined ? (result ?? "").replace(/^!/, "") : `It failed: ${describeError(error)}`].filter(Boolean),
			requests,
		};
	}

	async function home(session: Session | undefined, url: URL): Promise<Response> {
		if (session === undefined && url.searchParams.get("reconnect") === "1") {
			return page(
				"Please sign in again",
				`<div class="card panel error" id="error"><p>Atlassian refused this connection's refresh token (403 <code>invalid_grant</code>): the grant was revoked — by the user under "Connected apps", a password change, or an admin. <code>isReauthorizationRequired()</code> told the app that only a new sign-in helps; the library marked the connection so that no worker retries it.</p><p><a class="button" href="/login/atlassian">Sign in again</a></p></div>`,
			);
		}
		if (session === undefined) {
			const signedOut = url.searchParams.get("signed-out") === "1";
			return page(
				"Sign in with Atlassian",
				`${
					signedOut
						? '<div class="card panel success" id="narration" role="status"><h2>Signed out</h2><p><code>TokenManager.delete()</code> removed the connection from the token store. It stays deleted: a refresh still in flight elsewhere cannot write it back.</p></div>'
						: ""
				}<div class="card"><p class="lead">Connect an Atlassian account the way a production app does: the authorization code is exchanged on the server, the tokens are kept in a Postgres table, and rotation-safe refresh, rate limits and failures are handled by the library.</p>
<p><a class="button big" href="/login/atlassian">Sign in with Atlassian</a></p>
<p class="small muted">Signs in against <strong>${escapeHTML(providerLabel)}</strong>. Nothing is sent anywhere else.</p></div>`,
			);
		}
		const accessToken = await tokens.getAccessToken(session.connection);
		const [user, sites, tokenSet] = await Promise.all([
			atlassian.getUser(accessToken),
			atlassian.getAccessibleResources(accessToken),
			tokens.getTokenSet(session.connection),
		]);
		const picked = url.searchParams.get("site");
		if (picked !== null) session.siteId = picked;
		const site = chooseSite(sites, session.siteId);
		const narration = session.narration;
		session.narration = undefined;
		return page(
			"Your Atlassian connection",
			`${narration ? narrationPanel(narration) : ""}
<div class="card"><div class="user" id="user"><img src="${escapeHTML(user.picture)}" alt="" width="40" height="40"><div><strong id="user-name">${escapeHTML(user.name)}</strong><br><span id="user-email" class="muted">${escapeHTML(user.email ?? "(email hidden by the user's privacy settings)")}</span></div></div></div>
<div class="grid">
<section class="card" aria-labelledby="sites-title"><h2 id="sites-title">Sites</h2>
<p class="small muted">Atlassian lists them in no particular order: the app picks by URL or cloud id with <code>selectSite()</code>, never "the first one".</p>
<table id="sites"><tr><th scope="col">Site</th><th scope="col">Cloud id</th></tr>${sites
				.map(
					(s) =>
						`<tr><td>${s.id === site?.id ? '<span class="pill current">chosen</span> ' : ""}<a href="/?site=${encodeURIComponent(s.id)}">${escapeHTML(s.name)}</a><br><span class="small muted">${breakable(s.url)}</span></td><td><code>${breakable(s.id)}</code></td></tr>`,
				)
				.join("")}</table></section>
${await jiraPanel(session, site, sites)}
</div>
${lifecyclePanel(session, tokenSet)}
${emulator ? drillsPanel() : ""}`,
			{ signedIn: user.name },
		);
	}

	/** Every connection this server holds, as an operator sees it: status, why, failures, and Atlassian's limits. */
	async function connectionsPage(session: Session | undefined): Promise<Response> {
		const listed = await tokens.listConnections({ limit: 100 });
		const at = now();
		const inDays = (when: number | null) => (when === null ? "—" : `${Math.max(0, Math.floor((when - at) / 86_400_000))} days`);
		const rows = listed.connections
			.map(
				(connection) =>
					`<tr><td><code>${breakable(connection.key)}</code>${connection.key === session?.connection ? ' <span class="pill current">you</span>' : ""}</td><td><span class="pill status-${connection.status}">${escapeHTML(connection.status.replaceAll("_", " "))}</span>${connection.reason === null ? "" : `<br><span class="small muted">${escapeHTML(connection.reason.replaceAll("_", " "))}</span>`}</td><td>${connection.consecutiveFailures}${connection.lastErrorKind === null ? "" : ` <span class="small muted">(${escapeHTML(connection.lastErrorKind)})</span>`}</td><td>${inDays(connection.idleExpiresAt)}</td><td>${inDays(connection.grantExpiresAt)}</td></tr>`,
			)
			.join("");
		return page(
			"Connections",
			`<div class="card"><p class="small muted">What <code>TokenManager.listConnections()</code> reads through the store's index: each connection's health, kept with its record so every process sees the same, and no token. A refresh that fails for a reason that may pass makes a connection <em>degraded</em>; the next success makes it <em>active</em>; only Atlassian's refusal makes it <em>reauthorization required</em>. Atlassian ends a refresh token unused for 90 days and a grant 365 days after consent.</p>
<table id="connections"><tr><th scope="col">Connection</th><th scope="col">Status</th><th scope="col">Failures in a row</th><th scope="col">Idle limit in</th><th scope="col">Grant ends in</th></tr>${
				rows || '<tr><td colspan="5">No connections yet: sign in.</td></tr>'
			}</table>
<p><a href="/">Back</a></p></div>
${emulator ? fleetDrillsPanel() : ""}
<section class="card" aria-labelledby="events-title"><h2 id="events-title">Connection events</h2>
<p class="small muted">What <code>onConnectionEvent</code> was told, newest first: each change once for the whole fleet, by the process whose write made it, kept with the record until told (so a crash loses none). No token is in an event.</p>
<ol id="events" aria-live="polite">${eventItems()}</ol></section>${EVENTS_SCRIPT}`,
		);
	}

	function eventItems(): string {
		if (fleetEvents.length === 0) return '<li class="muted">None yet.</li>';
		return fleetEvents
			.map(
				(event) =>
					`<li><span class="pill status-${escapeHTML(event.status)}">${escapeHTML(event.type.replaceAll("_", " "))}</span> <code>${breakable(event.key)}</code> <span class="small muted">at ${clock(event.at)}${event.reason === undefined ? "" : `, ${escapeHTML(event.reason.replaceAll("_", " "))}`} · id ${escapeHTML(event.id.slice(0, 8))}</span></li>`,
			)
			.join("");
	}

	function fleetDrillsPanel(): string {
		return `<section class="card" aria-labelledby="fleet-drills-title"><h2 id="fleet-drills-title">Fleet drills</h2>
<p class="small muted">Two more customers' connections, to watch the events arrive.</p>
<form method="post" action="/connections/drill/degrade"><button class="button subtle" type="submit" data-busy="Atlassian answers 503 to acme-corp's refresh: degraded, then a refresh works: recovered (about 6 s)">acme-corp: 503s, then recovery</button></form>
<form method="post" action="/connections/drill/revoke"><button class="button danger" type="submit">globex-inc: the user revokes the app</button></form></section>`;
	}

	/** A customer's connection for the fleet drills, signed in through the emulator when it is not usable. */
	async function fleetConnection(key: string): Promise<StoredTokenSet> {
		const stored = await tokens.getTokenSet(key);
		if (stored !== null && !stored.reauthorizationRequired) return stored;
		const code = emulator?.issueAuthorizationCode({ redirectURI: options.redirectURI, scopes: DEMO_SCOPES }) ?? "";
		return tokens.save(key, await atlassian.validateAuthorizationCode(code));
	}

	const fleetDrills: Record<string, () => Promise<void>> = {
		"/connections/drill/degrade": async () => {
			await fleetConnection("acme-corp");
			emulator?.injectFault({ pathPrefix: "/oauth/token", status: 503, body: '{"error":"temporarily_unavailable"}', times: 4 });
			await tokens.refresh("acme-corp").catch(() => {}); // degraded: a 5xx may pass
			await tokens.refresh("acme-corp"); // recovered
		},
		"/connections/drill/revoke": async () => {
			const stored = await fleetConnection("globex-inc");
			emulator?.revokeGrant(stored.refreshToken ?? "");
			await tokens.refresh("globex-inc").catch(() => {}); // 403 invalid_grant: reauthorization required
		},
	};

	function chooseSite(sites: AccessibleResource[], siteId: string | undefined): AccessibleResource | undefined {
		if (siteId === undefined) return sites.length === 1 ? sites[0] : undefined;
		try {
			return selectSite(sites, siteId);
		} catch (error) {
			if (error instanceof SiteNotAccessibleError) return undefined;
			throw error;
		}
	}

	async function jiraPanel(session: Session, site: AccessibleResource | undefined, sites: AccessibleResource[]): Promise<string> {
		if (site === undefined) {
			return `<section class="card" aria-labelledby="jira-title"><h2 id="jira-title">Jira</h2><p>${sites.length === 0 ? "No site was shared with this app." : "Pick a site to see its Jira issues."}</p></section>`;
		}
		let body: string;
		try {
			// Through the gateway fetch: refreshed once on an expired token, rate limits waited out; pages followed.
			const jira = createAtlassianFetch(atlassian, { tokens, key: session.connection });
			const search = createGatewayURL(atlassian, "jira", site.id, "rest/api/3/search/jql", {
				jql: "project is not EMPTY ORDER BY key",
				fields: "summary,status",
				maxResults: 3,
			});
			const issues: string[] = [];
			let pages = 0;
			for await (const result of paginate<{ issues: { key: string; fields: { summary: string; status?: { name: string } } }[] }>(
				jira,
				search,
				{
					maxPages: 10,
				},
			)) {
				pages++;
				issues.push(
					...result.issues.map(
						(issue) =>
							`<tr><td><code>${escapeHTML(issue.key)}</code></td><td>${escapeHTML(issue.fields.summary)}</td><td>${escapeHTML(issue.fields.status?.name ?? "")}</td></tr>`,
					),
				);
			}
			const projects: string[] = [];
			for await (const result of paginate<{ values: { key: string; name: string }[] }>(
				jira,
				createGatewayURL(atlassian, "jira", site.id, "rest/api/3/project/search"),
				{ maxPages: 10 },
			)) {
				projects.push(
					...result.values.map(
						(project) => `<tr><td><code>${escapeHTML(project.key)}</code></td><td>${escapeHTML(project.name)}</td></tr>`,
					),
				);
			}
			body = `<p class="small muted">${issues.length} issues, read in ${pages} pages of <code>/search/jql</code> by <code>paginate()</code> (it follows <code>nextPageToken</code> until Jira leaves it out).</p>
<table id="issues"><tr><th scope="col">Key</th><th scope="col">Summary</th><th scope="col">Status</th></tr>${issues.join("")}</table>
<form method="post" action="/jira/issue"><input type="hidden" name="site" value="${escapeHTML(site.id)}"><button class="button" type="submit">Create a test issue</button></form>
<h2 style="margin-top:1rem">Projects</h2><table id="projects"><tr><th scope="col">Key</th><th scope="col">Name</th></tr>${projects.join("")}</table>`;
		} catch (error) {
			if (!(error instanceof AtlassianScopeError)) throw error;
			body =
				"<p>Jira refused: the token lacks <code>read:jira-work</code> (a 401 that refreshing cannot fix). Enable the scope on the app and sign in again.</p>";
		}
		return `<section class="card" aria-labelledby="jira-title"><h2 id="jira-title">Jira on ${escapeHTML(site.name)}</h2>${body}</section>`;
	}

	function lifecyclePanel(session: Session, tokenSet: StoredTokenSet | null): string {
		const rows = [...session.timeline]
			.reverse()
			.map(
				(entry, index) =>
					`<tr><td>${index === 0 ? '<span class="pill current">current</span> ' : ""}v${entry.version}</td><td><code>${escapeHTML(redactedToken(entry.accessToken))}</code></td><td>${escapeHTML(clock(entry.issuedAt))}</td><td>${escapeHTML(clock(entry.expiresAt))}</td><td>${escapeHTML(entry.by)}</td></tr>`,
			)
			.join("");
		return `<section class="card" aria-labelledby="lifecycle-title" id="lifecycle"><h2 id="lifecycle-title">Token lifecycle</h2>
<p class="small muted">Tokens stay on the server, in <code>${escapeHTML(store.constructor.name)}</code>. Every refresh rotates the refresh token; the old one is spent. Each refresh writes two versions — first the fenced mark that the refresh token is being sent, then the new set — so the token sets below go v1, v3, v5. Access tokens are shown by a fingerprint (#, the start of their SHA-256), never in clear. The record is at version <span id="token-version">${escapeHTML(tokenSet?.version)}</span>; the access token expires at <time id="expires-at">${escapeHTML(new Date(tokenSet?.expiresAt ?? 0).toISOString())}</time>${clockOffsetMs > 0 ? ` (the demo's clock is ${clockOffsetMs / HOUR_MS} h ahead)` : ""}.</p>
<table id="timeline"><tr><th scope="col">Version</th><th scope="col">Access token</th><th scope="col">Issued</th><th scope="col">Expires</th><th scope="col">Stored by</th></tr>${rows}</table>
<p class="small"><a href="/connections" id="connections-link">Every connection this server holds, as an operator sees it</a></p>
<p><form method="post" action="/refresh"><button class="button" type="submit">Refresh tokens</button></form>${
			emulator
				? `<form method="post" action="/fast-forward"><button class="button subtle" type="submit">Fast-forward 1 hour</button></form><form method="post" action="/workers"><button class="button subtle" type="submit">3 workers refresh at once</button></form>`
				: ""
		}</p></section>`;
	}

	function drillsPanel(): string {
		return `<section class="card" aria-labelledby="drills-title"><h2 id="drills-title">Failure drills</h2>
<p class="small muted">Make the emulator answer the way Atlassian does when things go wrong, and see what the library does.</p>
<form method="post" action="/drill/rate-limit"><button class="button subtle" type="submit" data-busy="Jira answers 429: the library waits out Retry-After">429 with Retry-After</button></form>
<form method="post" action="/drill/server-error"><button class="button subtle" type="submit" data-busy="Atlassian answers 503: the library resends the refresh token with backoff, about 6 s">503 on refresh</button></form>
<form method="post" action="/drill/revoke"><button class="button danger" type="submit">Revoke the grant</button></form></section>`;
	}

	function narrationPanel(narration: Narration): string {
		return `<div class="card panel ${narration.tone}" id="narration" role="status"><h2>What just happened: ${escapeHTML(narration.title)}</h2><ol>${narration.steps
			.map((step) => `<li>${step}</li>`)
			.join("")}</ol>${requestTable(narration.requests)}</div>`;
	}

	function clock(epochMs: number): string {
		return new Date(epochMs).toISOString().slice(11, 19);
	}

	async function callback(request: Request): Promise<Response> {
		const clearState = { "Set-Cookie": clearLoginStateCookie(atlassian) };
		try {
			const connection = generateState();
			const session: Session = { connection, timeline: [] };
			let saved: StoredTokenSet | undefined;
			const { requests, error } = await activity.capture(async () => {
				const { tokens: granted } = await validateLoginCallback(atlassian, request);
				saved = await tokens.save(connection, granted);
			});
			if (error !== undefined || saved === undefined) throw error;
			session.timeline.push({
				version: saved.version,
				accessToken: saved.accessToken,
				issuedAt: now(),
				expiresAt: saved.expiresAt,
				by: "sign-in",
			});
			session.narration = {
				title: "you signed in",
				tone: "success",
				steps: [
					"<code>validateLoginCallback()</code> compared the <code>state</code> in the callback with the one in the <code>__Host-</code> cookie, in constant time, then exchanged the code on the server.",
					`<code>TokenManager.save()</code> stored the tokens (access token <code>${escapeHTML(redactedToken(saved.accessToken))}</code>) as version ${saved.version}. The browser only holds a session cookie.`,
				],
				requests,
			};
			const sessionId = generateState();
			sessions.set(sessionId, session);
			sessionsByConnection.set(connection, session);
			const headers = new Headers(clearState);
			headers.append("Set-Cookie", `${SESSION_COOKIE}=${sessionId}; Path=/; HttpOnly; SameSite=Lax`);
			return redirect("/", headers);
		} catch (error) {
			if (error instanceof AuthorizationCallbackError) {
				const reasons: Record<string, string> = {
					missing_stored_state: "this browser has no sign-in in progress (the state cookie is missing or expired)",
					state_mismatch: "the state in the link does not match this browser's sign-in",
					missing_state: "the link carries no state",
					ambiguous_stored_state: "this browser sent two state cookies",
					missing_code: "the link carries no authorization code",
				};
				return page(
					"This sign-in link is not valid here",
					`<div class="card panel warning" id="error"><p>The sign-in was refused: ${escapeHTML(reasons[error.reason] ?? error.reason)}. It may be forged, or opened in another browser. Nothing was exchanged.</p><p><a class="button" href="/login/atlassian">Start again</a></p></div>`,
					{ status: 400, headers: clearState },
				);
			}
			if (isConsentDeclined(error)) {
				return page(
					"You declined access",
					`<div class="card panel warning" id="error"><p>You declined access to your Atlassian account, so nothing was shared.</p><p><a class="button" href="/">Back</a></p></div>`,
					{ status: 403, headers: clearState },
				);
			}
			if (error instanceof OAuth2RequestError && error.code === "invalid_grant") {
				// A double submit or the back button: the code was already exchanged.
				return page(
					"Sign-in link already used",
					`<div class="card panel warning" id="error"><p>This sign-in link was already used.</p><p><a class="button" href="/login/atlassian">Sign in again</a></p></div>`,
					{ status: 400, headers: clearState },
				);
			}
			throw error;
		}
	}

	const actions: Record<string, (session: Session, form: URLSearchParams) => Promise<void>> = {
		"/refresh": (session) =>
			narrate(
				session,
				"the tokens were refreshed",
				[
					"<code>TokenManager.refresh()</code> took the connection's lease in the store, marked the refresh token as sent (a fenced write), and sent it.",
				],
				async () => {
					const refreshed = await tokens.refresh(session.connection);
					return `Atlassian rotated the refresh token: the old one is now spent. The new set is version ${refreshed.version}, access token <code>${escapeHTML(redactedToken(refreshed.accessToken))}</code>.`;
				},
			),
		"/fast-forward": (session) =>
			narrate(
				session,
				"an hour passed",
				["The emulator's clock and the demo's moved forward by one hour: the access token has expired."],
				async () => {
					emulator?.advanceTime(HOUR_MS);
					clockOffsetMs += HOUR_MS;
					await tokens.getAccessToken(session.connection);
					return "The next <code>getAccessToken()</code> found the token inside its refresh window, and refreshed it before handing it out.";
				},
			),
		"/workers": (session) =>
			narrate(
				session,
				"three workers needed the token at once",
				[
					"The clock moved an hour, so the token expired. Three <code>TokenManager</code>s — three workers, as in a job queue — called <code>getAccessToken()</code> at the same moment, on the same store.",
				],
				async () => {
					emulator?.advanceTime(HOUR_MS);
					clockOffsetMs += HOUR_MS;
					const workers = [1, 2, 3].map(
						(n) => new TokenManager(atlassian, { store, now, onRefresh: recordRefresh(`worker ${n}`), onConnectionEvent }),
					);
					const requestsBefore = emulator?.requests.filter((r) => r.path === "/oauth/token").length ?? 0;
					const held = await Promise.all(workers.map((worker) => worker.getAccessToken(session.connection)));
					const refreshes = (emulator?.requests.filter((r) => r.path === "/oauth/token").length ?? 0) - requestsBefore;
					const same = held.every((token) => token === held[0]);
					return `${refreshes === 1 ? "Exactly one" : `${refreshes}`} refresh reached Atlassian: one worker took the lease and refreshed; the other two waited for the store's notification and read the new set. ${
						same
							? `All three hold the same new access token <code>${escapeHTML(redactedToken(held[0]))}</code>.`
							: "The workers hold different tokens."
					}`;
				},
			),
		"/jira/issue": (session, form) =>
			narrate(
				session,
				"a Jira issue was created",
				["<code>createAtlassianFetch()</code> sent the POST through the API gateway with the connection's token."],
				async () => {
					const jira = createAtlassianFetch(atlassian, { tokens, key: session.connection });
					const response = await jira(createGatewayURL(atlassian, "jira", form.get("site") ?? "", "rest/api/3/issue"), {
						method: "POST",
						headers: { "Content-Type": "application/json" },
						body: JSON.stringify({
							fields: {
								project: { key: "ENG" },
								summary: `Test issue from the demo at ${new Date().toISOString().slice(11, 19)}`,
								issuetype: { name: "Task" },
							},
						}),
					});
					const body = (await response.json().catch(() => ({}))) as { key?: string };
					return response.status === 201
						? `Jira answered 201: <code>${escapeHTML(body.key)}</code> was created.`
						: `!Jira answered ${response.status}.`;
				},
			),
		"/drill/rate-limit": (session) =>
			narrate(
				session,
				"Jira rate-limited a call",
				[
					"The emulator answered the next Jira call with 429 and <code>Retry-After: 1</code>, as Atlassian does when an app goes over its limit.",
				],
				async () => {
					emulator?.injectFault({
						pathPrefix: "/ex/jira/",
						status: 429,
						body: '{"code":429,"message":"Rate limit exceeded"}',
						headers: { "Retry-After": "1", "RateLimit-Reason": "jira-burst-based" },
					});
					let waited = 0;
					const jira = createAtlassianFetch(
						atlassian,
						{ tokens, key: session.connection },
						{ onRetry: ({ delayMs }) => (waited = delayMs) },
					);
					const sites = await atlassian.getAccessibleResources(await tokens.getAccessToken(session.connection));
					const site = chooseSite(sites, session.siteId) ?? sites[0];
					const response = await jira(createGatewayURL(atlassian, "jira", site?.id ?? "", "rest/api/3/myself"));
					return `<code>createAtlassianFetch()</code> waited ${(waited / 1000).toFixed(2)} s — never less than <code>Retry-After</code> — and retried: Jira answered ${response.status}.`;
				},
			),
		"/drill/server-error": (session) =>
			narrate(
				session,
				"Atlassian failed a refresh",
				[
					"The emulator answered the refresh with 503 <code>temporarily_unavailable</code>, four times in a row.",
					"Atlassian may rotate a token and still fail the answer, so <code>TokenManager</code> resent the same refresh token, inside Atlassian's 10-minute reuse window, three times with backoff (0.25 s, 1 s, 4 s).",
				],
				async () => {
					const before = await tokens.getTokenSet(session.connection);
					emulator?.injectFault({ pathPrefix: "/oauth/token", status: 503, body: '{"error":"temporarily_unavailable"}', times: 4 });
					const failure = await tokens.refresh(session.connection).then(
						() => undefined,
						(error: unknown) => error,
					);
					const after = await tokens.getTokenSet(session.connection);
					const kept = after?.refreshToken === before?.refreshToken && after?.accessToken === before?.accessToken;
					if (failure === undefined) return "A resend succeeded: the new set was stored.";
					return `!Then it gave up (${escapeHTML(describeError(failure))}) and ${
						kept ? "kept the stored tokens as they were: nothing was lost" : "the stored tokens changed"
					}. The access token still works until it expires, and the next call resends the refresh token while the reuse window lasts.`;
				},
			),
		"/drill/revoke": async (session) => {
			emulator?.revokeAllTokens();
			await tokens.refresh(session.connection); // Atlassian answers 403 invalid_grant: handled as "sign in again" below
		},
	};

	// The sign-in's state cookie belongs to the callback's origin: a browser on http://127.0.0.1:3000 would set it
	// there, and come back to http://localhost:3000 without it. Loopback aliases are sent to the callback's origin first.
	const canonical = new URL(options.redirectURI);
	const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

	return async (request) => {
		const url = new URL(request.url);
		if (
			request.method === "GET" &&
			url.origin !== canonical.origin &&
			LOOPBACK.has(url.hostname) &&
			LOOPBACK.has(canonical.hostname) &&
			url.port === canonical.port
		) {
			return redirect(`${canonical.origin}${url.pathname}${url.search}`);
		}
		const sessionId = readCookie(request, SESSION_COOKIE);
		const session = sessionId === null ? undefined : sessions.get(sessionId);
		const route = `${request.method} ${url.pathname}`;
		try {
			if (route === "GET /") return await home(session, url);
			if (route === "GET /connections") return await connectionsPage(session);
			if (route === "GET /connections/events")
				return new Response(eventItems(), { headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } });
			const fleetDrill = request.method === "POST" && emulator ? fleetDrills[url.pathname] : undefined;
			if (fleetDrill) {
				await fleetDrill();
				return redirect("/connections");
			}
			if (route === "GET /favicon.svg") return new Response(FAVICON_SVG, { headers: { "Content-Type": "image/svg+xml" } });
			if (route === "GET /login/atlassian") return createLoginResponse(atlassian, DEMO_SCOPES);
			if (route === "GET /login/atlassian/callback") return await callback(request);
			if (route === "POST /logout") {
				if (session && sessionId) {
					await tokens.delete(session.connection);
					sessions.delete(sessionId);
					sessionsByConnection.delete(session.connection);
				}
				return redirect("/?signed-out=1", { "Set-Cookie": `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax` });
			}
			const action = request.method === "POST" ? actions[url.pathname] : undefined;
			if (action && session) {
				await action(session, new URLSearchParams(await request.text()));
				return redirect("/");
			}
			if (action) return redirect("/");
			return page("Not found", '<p><a href="/">Home</a></p>', { status: 404 });
		} catch (error) {
			if (session && sessionId && isReauthorizationRequired(error)) {
				await tokens.delete(session.connection).catch(() => {});
				sessions.delete(sessionId);
				// Redirected (303), so that a reload of the page shown next does not send the POST again.
				return redirect("/?reconnect=1", { "Set-Cookie": `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax` });
			}
			console.error(error);
			return page("Something went wrong", `<div class="card panel error"><p>${escapeHTML(describeError(error))}</p></div>`, {
				status: 502,
			});
		}
	};
}

// The event list, fetched again every second while the page is open: events show as they are told, during a drill too.
const EVENTS_SCRIPT = `<script>setInterval(function(){fetch("/connections/events").then(function(r){return r.text()}).then(function(h){var l=document.getElementById("events");if(l&&l.innerHTML!==h)l.innerHTML=h;}).catch(function(){});},1000);</script>`;

function describeError(error: unknown): string {
	return error instanceof Error ? `${error.name}: ${error.message}` : "unexpected error";
}
