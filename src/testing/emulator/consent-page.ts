export interface ConsentRequest {
	clientId: string;
	/** The app's name, shown as the one asking. */
	appName?: string;
	redirectURI: string;
	state: string | null;
	codeChallenge?: string | null;
	scopes: string[];
	users: { accountId: string; name: string; email?: string }[];
	/** Sites the user can choose to grant; with more than one, a choice is shown. */
	sites?: { id: string; name: string; url: string }[];
}

function escapeHTML(value: string): string {
	return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** What a scope lets the app do, in the words of Atlassian's consent screen (or close to them). */
const SCOPE_WORDS: Record<string, string> = {
	"read:me": "View your profile: name, email address and avatar",
	offline_access: "Keep access while you are not using the app (a refresh token)",
	"read:jira-work": "View Jira issues, projects and their details",
	"write:jira-work": "Create and edit Jira issues, comments and work logs",
	"read:jira-user": "View Jira user information you can see",
	"manage:jira-project": "Create and edit Jira projects and their settings",
	"read:confluence-space.summary": "View a summary of Confluence spaces",
	"read:confluence-content.all": "View all Confluence content",
	"read:confluence-user": "View Confluence user information",
	"read:space:confluence": "View Confluence spaces (granular)",
	"read:page:confluence": "View Confluence pages (granular)",
};

const STYLE = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#172b4d;background:#f4f5f7}
main{max-width:34rem;margin:2rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(9,30,66,.25)}
.emulator{font-size:.875rem;color:#5e6c84;margin:0 0 1rem}h1{font-size:1.375rem;line-height:1.3;margin:.25rem 0 1rem}
ul{padding-left:1.25rem}li{margin:.35rem 0}code{font-size:.8125rem;color:#5e6c84}label{display:block;font-weight:600;margin:1rem 0 .25rem}
select{width:100%;font:inherit;padding:.5rem;border:2px solid #dfe1e6;border-radius:4px}
.buttons{display:flex;gap:.5rem;justify-content:flex-end;margin-top:1.5rem}
button{font:inherit;font-weight:600;padding:.5rem 1.25rem;border-radius:4px;border:0;cursor:pointer}
button[value=accept]{background:#0052cc;color:#fff}button[value=accept]:hover{background:#0747a6}
button[value=decline]{background:#f4f5f7;color:#42526e}button[value=decline]:hover{background:#ebecf0}
button:focus-visible,select:focus-visible{outline:3px solid #4c9aff;outline-offset:2px}`;

/** Atlassian's consent screen, as a test needs it: who asks, for what in plain words, which site, and two buttons. */
export function consentPage(request: ConsentRequest): string {
	const hidden = (name: string, value: string | null) =>
		value === null ? "" : `<input type="hidden" name="${name}" value="${escapeHTML(value)}">`;
	const users = request.users
		.map(
			(user, index) =>
				`<option value="${escapeHTML(user.accountId)}"${index === 0 ? " selected" : ""}>${escapeHTML(user.name)}${user.email ? ` (${escapeHTML(user.email)})` : ""}</option>`,
		)
		.join("");
	const sites = request.sites ?? [];
	const siteChoice =
		sites.length > 1
			? `<label for="site">Use app on</label><select id="site" name="site_id">${sites
					.map((site) => `<option value="${escapeHTML(site.id)}">${escapeHTML(site.name)} (${escapeHTML(site.url)})</option>`)
					.join("")}</select>`
			: sites.length === 1
				? `<p>Site: <strong>${escapeHTML(sites[0]?.name ?? "")}</strong> (${escapeHTML(sites[0]?.url ?? "")})</p>`
				: "";
	const appName = request.appName ?? request.clientId;
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHTML(appName)} wants to access your Atlassian account – Atlassian emulator</title>
<style>${STYLE}</style></head>
<body><main>
<p class="emulator">Atlassian emulator — a local stand-in for auth.atlassian.com. No real account is involved.</p>
<h1>${escapeHTML(appName)} is requesting access to your Atlassian account</h1>
<form method="post" action="/authorize/decision">
${hidden("client_id", request.clientId)}${hidden("redirect_uri", request.redirectURI)}${hidden("state", request.state)}${hidden("scope", request.scopes.join(" "))}${hidden("code_challenge", request.codeChallenge ?? null)}
<label for="account">Signed in as</label><select id="account" name="account_id">${users}</select>
${siteChoice}
<p>${escapeHTML(appName)} will be able to:</p>
<ul>${request.scopes.map((scope) => `<li>${escapeHTML(SCOPE_WORDS[scope] ?? scope)} <code>${escapeHTML(scope)}</code></li>`).join("")}</ul>
<div class="buttons">
<button type="submit" name="decision" value="decline">Decline</button>
<button type="submit" name="decision" value="accept">Accept</button>
</div>
</form>
</main></body></html>`;
}

export function errorPage(status: number, message: string): Response {
	return new Response(
		`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Atlassian emulator – error</title><style>${STYLE}</style></head><body><main><h1>Something went wrong</h1><p>${escapeHTML(message)}</p></main></body></html>`,
		{ status, headers: { "Content-Type": "text/html; charset=utf-8" } },
	);
}
