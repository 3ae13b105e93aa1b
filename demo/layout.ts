// The demo's look: one small self-contained stylesheet (no CDN, no web font: everything works offline).
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0052cc"/><path d="M10.2 14.9c-.3-.4-.9-.4-1.1.1L5.1 23c-.2.4.1.9.6.9h5.6c.2 0 .4-.1.5-.4 1.2-2.5.5-6.2-1.6-8.6zM15.7 7.4c-2.2 3.5-2.1 7.4-.7 10.3l2.8 5.8c.1.2.3.4.6.4h5.6c.5 0 .8-.5.6-.9L16.9 7.4c-.2-.5-.9-.5-1.2 0z" fill="#fff"/></svg>`;

const CSS = `*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",sans-serif;color:#172b4d;background:#f4f5f7}
header.top{background:#0747a6;color:#fff}header.top .inner{display:flex;align-items:center;gap:.75rem;flex-wrap:wrap}
header.top a{color:#fff;text-decoration:none;font-weight:600}header.top .spacer{flex:1}
.inner{max-width:64rem;margin:0 auto;padding:.75rem 1rem}
main{max-width:64rem;margin:0 auto;padding:1rem}
h1{font-size:1.75rem;line-height:1.2;margin:1rem 0 .5rem}h2{font-size:1.125rem;margin:0 0 .75rem}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 2px rgba(9,30,66,.25);padding:1.25rem;margin:0 0 1rem;min-width:0}
.grid{display:grid;gap:1rem;grid-template-columns:1fr}@media(min-width:900px){.grid{grid-template-columns:1fr 1fr}}
.lead{font-size:1.125rem;color:#42526e;max-width:40rem}
.button{display:inline-block;font:inherit;font-weight:600;padding:.5rem 1rem;border-radius:4px;border:0;cursor:pointer;text-decoration:none;background:#0052cc;color:#fff;margin:.25rem .5rem .25rem 0}
.button:hover{background:#0747a6}.button.subtle{background:#ebecf0;color:#42526e}.button.subtle:hover{background:#dfe1e6}
.button.danger{background:#de350b}.button.danger:hover{background:#bf2600}
.button.big{font-size:1.125rem;padding:.75rem 1.5rem}
.button:focus-visible,a:focus-visible,select:focus-visible,input:focus-visible{outline:3px solid #4c9aff;outline-offset:2px}
form{display:inline}
table{border-collapse:collapse;width:100%;font-size:.9375rem}th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #dfe1e6;vertical-align:top}
th{color:#5e6c84;font-weight:600;font-size:.8125rem;text-transform:uppercase;letter-spacing:.02em}
#issues code,#projects code{white-space:nowrap}
code{font:.875em ui-monospace,SFMono-Regular,Menlo,monospace;background:#f4f5f7;padding:0 .25rem;border-radius:3px;overflow-wrap:break-word}
.muted{color:#5e6c84}.small{font-size:.875rem}
.user{display:flex;align-items:center;gap:.75rem}.user img{border-radius:50%}
.panel{border-left:4px solid #0052cc;background:#deebff}.panel.success{border-color:#00875a;background:#e3fcef}
.panel.warning{border-color:#ff991f;background:#fffae6}.panel.error{border-color:#de350b;background:#ffebe6}
.panel ol{margin:.25rem 0 .75rem;padding-left:1.25rem}.panel li{margin:.2rem 0}
.status-ok{color:#006644;font-weight:600}.status-bad{color:#bf2600;font-weight:600}
label{font-weight:600;margin-right:.5rem}select,input[type=text]{font:inherit;padding:.35rem .5rem;border:2px solid #dfe1e6;border-radius:4px;max-width:100%}
.pill{display:inline-block;font-size:.75rem;font-weight:700;padding:0 .4rem;border-radius:3px;background:#dfe1e6;color:#42526e;text-transform:uppercase}
.pill.current{background:#00875a;color:#fff}.pill.status-active{background:#e3fcef;color:#006644}.pill.status-degraded{background:#fffae6;color:#974f0c}
.pill.status-reauthorization_required{background:#ffebe6;color:#ae2a19}.pill.status-disabled{background:#dfe1e6;color:#42526e}
#busy{font-weight:600}#busy:empty{display:none}
#connections code{word-break:break-all}
@media(max-width:600px){#connections th:nth-child(3),#connections td:nth-child(3),#connections th:nth-child(4),#connections td:nth-child(4){display:none}#timeline th:nth-child(3),#timeline td:nth-child(3),table.requests th:nth-child(2),table.requests td:nth-child(2),table.requests th:nth-child(5),table.requests td:nth-child(5){display:none}header.top .inner{gap:.5rem}main{padding:.5rem}.card{padding:1rem .75rem}th,td{padding:.35rem .3rem}}`;

/** HTML for an identifier, a path or a URL: escaped, and allowed to wrap only after / ? & = - (never mid-word). */
export function breakable(value: unknown): string {
	return escapeHTML(value).replace(/([/?&=-])/g, "$1<wbr>");
}

// While a form's action runs on the server (a drill can take seconds: the library is retrying), say so.
const BUSY_SCRIPT = `<script>document.addEventListener("submit",function(e){var b=e.target.querySelector("button");if(!b||b.disabled)return;b.disabled=true;b.setAttribute("aria-busy","true");var s=document.getElementById("busy");if(s)s.textContent=(b.dataset.busy||"Working")+"…";});</script>`;

export function escapeHTML(value: unknown): string {
	return String(value ?? "").replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export function page(title: string, body: string, options: { status?: number; headers?: HeadersInit; signedIn?: string } = {}): Response {
	const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHTML(title)} – atlassian-3lo demo</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><style>${CSS}</style></head>
<body><header class="top"><div class="inner"><a href="/">atlassian-3lo demo</a><span class="spacer"></span>${
		options.signedIn
			? `<span>${escapeHTML(options.signedIn)}</span><form method="post" action="/logout"><button class="button subtle" type="submit">Sign out</button></form>`
			: ""
	}</div></header>
<main><h1>${escapeHTML(title)}</h1><p id="busy" class="small" role="status" aria-live="polite"></p>${body}</main>${BUSY_SCRIPT}</body></html>`;
	const headers = new Headers(options.headers);
	headers.set("Content-Type", "text/html; charset=utf-8");
	headers.set("Cache-Control", "no-store");
	return new Response(html, { status: options.status ?? 200, headers });
}
