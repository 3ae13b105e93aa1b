export interface ConsentRequest {
	clientId: string;
	redirectURI: string;
	state: string | null;
	codeChallenge?: string | null;
	scopes: string[];
	users: { accountId: string; name: string; email?: string }[];
}

function escapeHTML(value: string): string {
	return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** Atlassian's consent screen, reduced to what a test needs: who asks, for what, and two buttons. */
export function consentPage(request: ConsentRequest): string {
	const hidden = (name: string, value: string | null) =>
		value === null ? "" : `<input type="hidden" name="${name}" value="${escapeHTML(value)}">`;
	const users = request.users
		.map(
			(user, index) =>
				`<option value="${escapeHTML(user.accountId)}"${index === 0 ? " selected" : ""}>${escapeHTML(user.name)}${user.email ? ` (${escapeHTML(user.email)})` : ""}</option>`,
		)
		.join("");
	return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Atlassian emulator – authorize app</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;color:#172b4d}button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}li{font-family:monospace}</style></head>
<body>
<p><strong>Atlassian emulator</strong> — a local stand-in for auth.atlassian.com. No real account is involved.</p>
<h1>${escapeHTML(request.clientId)} is requesting access to your Atlassian account</h1>
<form method="post" action="/authorize/decision">
${hidden("client_id", request.clientId)}${hidden("redirect_uri", request.redirectURI)}${hidden("state", request.state)}${hidden("scope", request.scopes.join(" "))}${hidden("code_challenge", request.codeChallenge ?? null)}
<p><label>Sign in as <select name="account_id">${users}</select></label></p>
<p>It wants to:</p>
<ul>${request.scopes.map((scope) => `<li>${escapeHTML(scope)}</li>`).join("")}</ul>
<button type="submit" name="decision" value="accept">Accept</button>
<button type="submit" name="decision" value="decline">Decline</button>
</form>
</body></html>`;
}

export function errorPage(status: number, message: string): Response {
	return new Response(
		`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Atlassian emulator – error</title></head><body><h1>Something went wrong</h1><p>${escapeHTML(message)}</p></body></html>`,
		{ status, headers: { "Content-Type": "text/html; charset=utf-8" } },
	);
}
