import { expect, it } from "vitest";
import { jwtShapedToken, randomToken } from "../../../src/testing/emulator/issued-tokens.js";

it("access tokens are JWT-shaped: three base64url segments, over 1 KB, carrying the claims given", () => {
	const token = jwtShapedToken({ sub: "acc-1", scope: "read:me" });
	const segments = token.split(".");
	expect(segments).toHaveLength(3);
	expect(token.length).toBeGreaterThan(1_024);
	for (const segment of segments) expect(segment).toMatch(/^[A-Za-z0-9_-]+$/);
	const payload = JSON.parse(Buffer.from(segments[1] as string, "base64url").toString());
	expect(payload).toMatchObject({ sub: "acc-1", scope: "read:me", iss: "https://auth.atlassian.com" });
});

it("random tokens carry their prefix and are never the same", () => {
	const tokens = new Set(Array.from({ length: 50 }, () => randomToken("rt-")));
	expect(tokens.size).toBe(50);
	for (const token of tokens) expect(token).toMatch(/^rt-[A-Za-z0-9_-]{32}$/);
});
