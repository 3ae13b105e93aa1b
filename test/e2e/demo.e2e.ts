import { PGlite } from "@electric-sql/pglite";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDemoApp } from "../../demo/app.js";
import { Atlassian } from "../../src/index.js";
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
		clients: [{ clientId: "e2e-client", clientSecret: "e2e-secret", redirectURIs: [redirectURI] }],
	});
	const atlassian = new Atlassian("e2e-client", "e2e-secret", redirectURI, { hosts: emulator.hosts });
	// The store `npm run demo` uses: PostgresTokenStore on an in-memory PGlite.
	database = new PGlite();
	const store = new PostgresTokenStore({ client: database });
	await store.ensureSchema();
	handler = createDemoApp({ atlassian, providerLabel: "the emulator", store });
	page = await (await browser.newContext()).newPage();
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
	await expect(page.getByRole("listitem").allTextContents()).resolves.toContain("read:me");
}

describe("the demo in Chromium", () => {
	it("signs in, shows profile, sites and Jira projects, refreshes with rotation, and signs out", async () => {
		await startSignIn();
		await page.getByRole("button", { name: "Accept" }).click();
		await page.waitForURL(`${app.url}/`);
		expect(await page.locator("#user-name").textContent()).toBe("Mia Krystof");
		expect(await page.locator("#user-email").textContent()).toBe("mia.krystof@acme.example");
		expect(await page.locator("#sites").textContent()).toContain("1324a887-45db-1bf4-1e99-ef0ff456d421");
		expect(await page.locator("#projects").textContent()).toContain("ENG");
		expect(await page.locator("#token-version").textContent()).toBe("1");
		const cookies = await page.context().cookies();
		expect(cookies.map((cookie) => cookie.value).join(" ")).not.toMatch(/emulator-rt-|eyJ[\w-]+\.eyJ/); // no refresh token, no JWT access token

		const refreshesBefore = emulator.emulator.requests.filter((request) => request.path === "/oauth/token").length;
		await page.getByRole("button", { name: "Refresh tokens" }).click();
		// Each refresh writes two versions: the fenced "sent" mark, then the answer.
		await expect.poll(() => page.locator("#token-version").textContent()).toBe("3");
		expect(emulator.emulator.requests.filter((request) => request.path === "/oauth/token").length).toBe(refreshesBefore + 1);
		// The rotated refresh token works: a second refresh succeeds (a reused one would revoke the grant).
		await page.getByRole("button", { name: "Refresh tokens" }).click();
		await expect.poll(() => page.locator("#token-version").textContent()).toBe("5");
		expect(emulator.emulator.refreshStats).toEqual({ rotations: 2, reuses: 0, revocations: 0 });
		expect(await page.locator("#user-name").textContent()).toBe("Mia Krystof");

		await page.getByRole("button", { name: "Sign out" }).click();
		await page.waitForURL(`${app.url}/`);
		await expect(page.getByRole("link", { name: "Sign in with Atlassian" }).isVisible()).resolves.toBe(true);
		// The browser never left this machine: every request went to loopback (or was a data: URL).
		const offLoopback = requestedURLs.filter((url) => !/^(data:|http:\/\/(localhost|127\.0\.0\.1)[:/])/.test(url));
		expect(offLoopback).toEqual([]);
	});

	it("shows a clear page when the user declines", async () => {
		await startSignIn();
		await page.getByRole("button", { name: "Decline" }).click();
		await page.waitForURL(`${app.url}/login/atlassian/callback?**`);
		expect(await page.locator("h1").textContent()).toBe("You declined access");
	});

	it("refuses a tampered state with a 400 page", async () => {
		await startSignIn();
		const authorizeURL = new URL(page.url());
		const response = await page.goto(`${app.url}/login/atlassian/callback?code=forged&state=${authorizeURL.searchParams.get("state")}x`);
		expect(response?.status()).toBe(400);
		expect(await page.locator("h1").textContent()).toBe("Invalid sign-in request");
	});
});
