import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { PGlite } from "@electric-sql/pglite";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDemoApp } from "../../demo/app.js";
import { PostgresTokenStore } from "../../src/postgres/index.js";
import {
	type LoopbackServer,
	type RunningAtlassianEmulator,
	startAtlassianEmulator,
	startLoopbackServer,
} from "../../src/testing/index.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
let browser: Browser;
let emulator: RunningAtlassianEmulator;
let app: LoopbackServer;
let database: PGlite;
let page: Page;
let requestedURLs: string[];

beforeAll(async () => {
	// playwright-core gives every launch a fresh, empty profile directory of its own.
	browser = await chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: [
			"--no-sandbox",
			"--disable-gpu",
			"--disable-quic",
			"--no-first-run",
			"--disable-background-networking",
			"--disable-component-update",
			"--disable-sync",
		],
	});
});

afterAll(async () => {
	await browser?.close();
});

beforeEach(async () => {
	// The app's URL is needed for its redirect URI before the app exists: bind the handler late.
	let handler: (request: Request) => Promise<Response> = async () => new Response("starting", { status: 503 });
	app = await startLoopbackServer((request) => handler(request), { hostname: "localhost" });
	const redirectURI = `${app.url}/login/atlassian/callback`;
	emulator = await startAtlassianEmulator({
		clients: [{ clientId: "e2e-client", clientSecret: "e2e-secret", name: "atlassian-3lo demo", redirectURIs: [redirectURI] }],
	});
	// The store `npm run demo` uses: PostgresTokenStore on an in-memory PGlite.
	database = new PGlite();
	const store = new PostgresTokenStore({ client: database, listener: database });
	await store.ensureSchema();
	handler = createDemoApp({
		clientId: "e2e-client",
		clientSecret: "e2e-secret",
		redirectURI,
		hosts: emulator.hosts,
		emulator: emulator.emulator,
		providerLabel: "the emulator",
		store,
	});
	page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
	requestedURLs = [];
	page.on("request", (request) => requestedURLs.push(request.url()));
});

afterEach(async () => {
	await page?.context().close();
	await app?.close();
	await emulator?.close();
	await database?.close();
});

async function startSignIn() {
	await page.goto(app.url);
	await page.getByRole("link", { name: "Sign in with Atlassian" }).click();
	await page.waitForURL(`${emulator.url}/authorize?**`);
	await expect(page.locator("main").textContent()).resolves.toContain("read:me");
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core on the page as it is now: no serious or critical violation. */
async function expectAccessible(name: string) {
	await page.addScriptTag({ content: axeSource });
	const violations = await page.evaluate(async () => {
		const result = await (
			window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; help: string }[] }> } }
		).axe.run();
		return result.violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
	});
	expect(
		violations.map((violation) => `${violation.id}: ${violation.help}`),
		name,
	).toEqual([]);
}

/**
 * The page as it is, at 1280 px and at a phone's 390 px: no serious or critical axe violation at either width,
 * and nothing wider than the phone's screen.
 */
async function expectAccessibleAtBothWidths(name: string) {
	const original = page.viewportSize() ?? { width: 1280, height: 900 };
	await page.setViewportSize({ width: 1280, height: 900 });
	await expectAccessible(`${name}, 1280 px`);
	await page.setViewportSize({ width: 390, height: 844 });
	expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name}: wider than 390 px`).toBeLessThanOrEqual(390);
	await expectAccessible(`${name}, 390 px`);
	await page.setViewportSize(original);
}

const IMAGES = new URL("../../docs/images/", import.meta.url).pathname;

async function screenshot(name: string, options: { selector?: string } = {}) {
	mkdirSync(IMAGES, { recursive: true });
	const target = options.selector ? page.locator(options.selector) : page;
	await target.screenshot({ path: `${IMAGES}${name}.png`, ...(options.selector ? {} : { fullPage: true }) });
}

const narration = () => page.locator("#narration").textContent();
const tokenRequests = () => emulator.emulator.requests.filter((request) => request.path === "/oauth/token").length;

describe("the demo in Chromium", () => {
	it("signs in, narrates each step, pages Jira, writes an issue, shows the token lifecycle, and signs out — accessibly", async () => {
		await page.goto(app.url);
		await expectAccessibleAtBothWidths("home");
		await screenshot("home");
		await startSignIn();
		expect(await page.locator("h1").textContent()).toBe("atlassian-3lo demo is requesting access to your Atlassian account");
		await expectAccessibleAtBothWidths("consent");
		await screenshot("consent");
		await page.getByRole("button", { name: "Accept" }).click();
		await page.waitForURL(`${app.url}/`);
		expect(await page.locator("#user-name").textContent()).toBe("Mia Krystof");
		expect(await page.locator("#user-email").textContent()).toBe("mia.krystof@acme.example");
		expect(await page.locator("#sites").textContent()).toContain("1324a887-45db-1bf4-1e99-ef0ff456d421");
		expect(await page.locator("#projects").textContent()).toContain("ENG");
		expect(await page.locator("#issues").textContent()).toContain("ENG-1");
		expect(await page.locator("main").textContent()).toContain("read in 3 pages");
		expect(await narration()).toContain("you signed in");
		expect(await narration()).toMatch(/POST.*\/oauth\/token.*200/s);
		expect(await page.locator("#token-version").textContent()).toBe("1");
		await expectAccessibleAtBothWidths("signed in");
		await screenshot("signed-in");
		const cookies = await page.context().cookies();
		expect(cookies.map((cookie) => cookie.value).join(" ")).not.toMatch(/emulator-rt-|eyJ[\w-]+\.eyJ/); // no refresh token, no JWT access token
		// Tokens appear only as redacted prefixes.
		const html = await page.content();
		expect(html).not.toMatch(/eyJ[\w-]{20,}\.eyJ/);
		expect(html).not.toContain("emulator-rt-");

		const before = tokenRequests();
		await page.getByRole("button", { name: "Refresh tokens" }).click();
		// Each refresh writes two versions: the fenced "sent" mark, then the answer.
		await expect.poll(() => page.locator("#token-version").textContent()).toBe("3");
		expect(await narration()).toContain("the tokens were refreshed");
		expect(tokenRequests()).toBe(before + 1);
		// Each token set of the timeline is told apart by its fingerprint, not a prefix all JWTs share.
		const fingerprints = await page.locator("#timeline td:nth-child(2) code").allTextContents();
		expect(fingerprints).toHaveLength(2);
		expect(new Set(fingerprints).size).toBe(2);
		expect(await page.locator("#lifecycle").textContent()).toContain("so the token sets below go v1, v3, v5");
		await expectAccessibleAtBothWidths("signed in, with the requests of a refresh");

		await page.getByRole("button", { name: "3 workers refresh at once" }).click();
		await expect.poll(narration).toContain("Exactly one refresh reached Atlassian");
		expect(await narration()).toContain("All three hold the same new access token");
		expect(tokenRequests()).toBe(before + 2);
		expect(await page.locator("#timeline").textContent()).toMatch(/worker [123]/);
		await screenshot("lifecycle", { selector: "#lifecycle" });

		await page.getByRole("button", { name: "Create a test issue" }).click();
		await expect.poll(narration).toMatch(/Jira answered 201: ENG-\d+ was created/);
		expect(await narration()).toMatch(/POST.*\/rest\/api\/3\/issue.*201/s);

		await page.getByRole("button", { name: "429 with Retry-After" }).click();
		await expect.poll(narration).toMatch(/waited 1\.\d\d s/);
		expect(await narration()).toMatch(/429.*200/s);
		await expectAccessibleAtBothWidths("after a drill");

		// While the server works on the drill (the library retries for about 6 s), the page says so. Looked at with
		// the submission held back in the page, since playwright waits for the navigation a click starts.
		const busy = await page.evaluate(() => {
			const form = document.querySelector('form[action="/drill/server-error"]') as HTMLFormElement;
			form.addEventListener("submit", (event) => event.preventDefault(), { once: true });
			(form.querySelector("button") as HTMLButtonElement).click();
			return { text: document.getElementById("busy")?.textContent, disabled: (form.querySelector("button") as HTMLButtonElement).disabled };
		});
		expect(busy.text).toContain("resends the refresh token with backoff");
		expect(busy.disabled).toBe(true);
		await page.reload();
		await page.getByRole("button", { name: "503 on refresh" }).click();
		await expect.poll(narration, { timeout: 20_000 }).toContain("kept the stored tokens as they were");
		// The page shown next resent the refresh token inside the reuse window, and the connection recovered: an
		// operator's listing shows it active again, with Atlassian's limits counting down.
		await page.getByRole("link", { name: "Every connection this server holds, as an operator sees it" }).click();
		await page.waitForURL(`${app.url}/connections`);
		expect(await page.locator("#connections").textContent()).toMatch(/you\s*active\s*0\s*89 days\s*364 days/);
		// The event stream: the 503 drill above made this connection degraded, and the next refresh recovered it.
		expect(await page.locator("#events").textContent()).toMatch(/recovered.*degraded/s);
		// Fleet drills: another customer's connection fails with 503s and recovers; a third is revoked by its user.
		// The list fetches itself again every second, so events show while the drill runs.
		await page.getByRole("button", { name: "acme-corp: 503s, then recovery" }).click();
		await page.waitForURL(`${app.url}/connections`);
		const events = () => page.locator("#events").textContent();
		await expect.poll(events, { timeout: 20_000 }).toMatch(/recovered\s*acme-corp.*degraded\s*acme-corp.*connected\s*acme-corp/s);
		await page.getByRole("button", { name: "globex-inc: the user revokes the app" }).click();
		await page.waitForURL(`${app.url}/connections`);
		await expect.poll(events).toMatch(/reauthorization required\s*globex-inc.*invalid grant/s);
		const listing = (await page.locator("#connections").textContent()) ?? "";
		expect(listing).toMatch(/acme-corp\s*active/);
		expect(listing).toMatch(/globex-inc\s*reauthorization required\s*invalid grant/);
		await expectAccessibleAtBothWidths("connections");
		await screenshot("connections");
		await page.goto(app.url);

		await page.getByRole("button", { name: "Fast-forward 1 hour" }).click();
		await expect.poll(narration).toContain("refreshed it before handing it out");
		expect(emulator.emulator.refreshStats.revocations).toBe(0);

		await page.getByRole("button", { name: "Sign out" }).click();
		await page.waitForURL(`${app.url}/?signed-out=1`);
		expect(await narration()).toContain("TokenManager.delete()");
		await expectAccessibleAtBothWidths("signed out");
		await expect(page.getByRole("link", { name: "Sign in with Atlassian" }).isVisible()).resolves.toBe(true);
		// The browser never left this machine: every request went to loopback (or was a data: URL).
		const offLoopback = requestedURLs.filter((url) => !/^(data:|http:\/\/(localhost|127\.0\.0\.1)[:/])/.test(url));
		expect(offLoopback).toEqual([]);
	});

	it("a revoked grant leads to the sign-in-again page", async () => {
		await startSignIn();
		await page.getByRole("button", { name: "Accept" }).click();
		await page.waitForURL(`${app.url}/`);
		await page.getByRole("button", { name: "Revoke the grant" }).click();
		// Redirected after the POST: a reload shows the page again, and sends nothing.
		await page.waitForURL(`${app.url}/?reconnect=1`);
		expect(await page.locator("h1").textContent()).toBe("Please sign in again");
		expect(await page.locator("#error").textContent()).toContain("403 invalid_grant");
		const requestsBefore = emulator.emulator.requests.length;
		await page.reload();
		expect(await page.locator("h1").textContent()).toBe("Please sign in again");
		expect(emulator.emulator.requests.length).toBe(requestsBefore);
		await expectAccessibleAtBothWidths("sign in again");
	});

	it("reads well on a phone: nothing wider than 390 px", async () => {
		await page.setViewportSize({ width: 390, height: 844 });
		await startSignIn();
		await page.getByRole("button", { name: "Accept" }).click();
		await page.waitForURL(`${app.url}/`);
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
		// The site picker: choosing a site by its link marks it chosen.
		await page.getByRole("link", { name: "acme" }).click();
		await page.waitForURL(`${app.url}/?site=**`);
		expect(await page.locator("#sites").textContent()).toContain("chosen");
		expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
		await expectAccessible("signed in, on a phone");
		await screenshot("signed-in-phone");
	});

	it("shows a clear page when the user declines", async () => {
		await startSignIn();
		await page.getByRole("button", { name: "Decline" }).click();
		await page.waitForURL(`${app.url}/login/atlassian/callback?**`);
		expect(await page.locator("h1").textContent()).toBe("You declined access");
		await expectAccessibleAtBothWidths("declined");
	});

	it("refuses a tampered state with a 400 page in plain words", async () => {
		await startSignIn();
		const authorizeURL = new URL(page.url());
		const response = await page.goto(`${app.url}/login/atlassian/callback?code=forged&state=${authorizeURL.searchParams.get("state")}x`);
		expect(response?.status()).toBe(400);
		expect(await page.locator("h1").textContent()).toBe("This sign-in link is not valid here");
		expect(await page.locator("#error").textContent()).toContain("does not match this browser's sign-in");
		await expectAccessibleAtBothWidths("tampered state");
	});

	it("a sign-in started on http://127.0.0.1 goes through: the app moves the browser to the callback's origin first", async () => {
		const viaIP = app.url.replace("localhost", "127.0.0.1");
		await page.goto(viaIP);
		expect(page.url()).toBe(`${app.url}/`);
		await page.getByRole("link", { name: "Sign in with Atlassian" }).click();
		await page.waitForURL(`${emulator.url}/authorize?**`);
		await page.getByRole("button", { name: "Accept" }).click();
		await page.waitForURL(`${app.url}/`);
		expect(await page.locator("#user-name").textContent()).toBe("Mia Krystof");
	});
});
