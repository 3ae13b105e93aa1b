import { expect, it } from "vitest";
import { consentPage } from "../../../src/testing/emulator/consent-page.js";

const base = { clientId: "id", redirectURI: "https://app.example/cb", state: "st", scopes: ["read:me", "custom:scope"] };

it("names the app (or its client id), words known scopes, shows unknown ones as they are, and escapes everything", () => {
	const html = consentPage({ ...base, appName: "<Acme>", users: [{ accountId: "a", name: "Mia" }] });
	expect(html).toContain("&#60;Acme&#62; is requesting access");
	expect(html).toContain("<li>custom:scope <code>custom:scope</code></li>");
	expect(html).toContain('<option value="a" selected>Mia</option>');
	expect(consentPage({ ...base, users: [] })).toContain("<h1>id is requesting access");
});

it("offers no site choice for no site, names the one site, and lets the user choose among several", () => {
	const users = [{ accountId: "a", name: "Mia", email: "mia@example.com" }];
	const one = { id: "1", name: "acme", url: "https://acme.atlassian.net" };
	const two = { id: "2", name: "globex", url: "https://globex.atlassian.net" };
	expect(consentPage({ ...base, users })).not.toMatch(/site_id|Site:/);
	expect(consentPage({ ...base, users, sites: [one] })).toContain("<p>Site: <strong>acme</strong> (https://acme.atlassian.net)</p>");
	const several = consentPage({ ...base, users, sites: [one, two] });
	expect(several).toContain('<select id="site" name="site_id">');
	expect(several).toContain('<option value="2">globex (https://globex.atlassian.net)</option>');
});
