import { describe, expect, it } from "vitest";
import { checkArchitecture, checkTestMirror, MAX_LINES } from "../../scripts/check-architecture.mjs";

const tree = (files: Record<string, string>) => new Map(Object.entries(files));

describe("checkArchitecture", () => {
	it("accepts imports that point down, and within a room", () => {
		const problems = checkArchitecture(
			tree({
				"internal/json.ts": "export const a = 1;\n",
				"oauth2/transport.ts": 'import { a } from "../internal/json.js";\nexport const send = () => globalThis.fetch("x");\n',
				"tokens/token-manager.ts": 'import type { send } from "../oauth2/transport.js";\nimport { b } from "./b.js";\n',
				"tokens/b.ts": "export const b = 2;\n",
				"testing/emulator/clock.ts": 'import { f } from "../fixtures.js";\n',
				"testing/fixtures.ts": "export const f = 3;\n",
				"index.ts": 'export { b } from "./tokens/b.js";\n',
			}),
		);
		expect(problems).toEqual([]);
	});

	it("refuses an import up a layer, or across rooms of one layer", () => {
		const problems = checkArchitecture(
			tree({
				"oauth2/client.ts": 'import { TokenManager } from "../tokens/token-manager.js";\n',
				"tokens/token-manager.ts": 'import type { Atlassian } from "../atlassian/atlassian.js";\n',
				"atlassian/atlassian.ts": "export class Atlassian {}\n",
			}),
		);
		expect(problems).toHaveLength(2);
		expect(problems[0]).toMatch(/^oauth2\/client\.ts: imports tokens\/token-manager\.ts, from layer 2/);
		expect(problems[1]).toMatch(/^tokens\/token-manager\.ts: imports atlassian\/atlassian\.ts/);
	});

	it("finds an import cycle, a file over the line budget, a second fetch caller and an unknown room", () => {
		const problems = checkArchitecture(
			tree({
				"tokens/a.ts": 'import { b } from "./b.js";\n',
				"tokens/b.ts": 'export { a } from "./a.js";\n',
				"tokens/long.ts": "// line\n".repeat(MAX_LINES + 1),
				"atlassian/api.ts": "export const get = (url: string) => fetch(url);\n",
				"extras/x.ts": "export const x = 1;\n",
			}),
		);
		expect(problems).toContain("import cycle: tokens/a.ts → tokens/b.ts → tokens/a.ts");
		expect(problems).toContain(`tokens/long.ts: ${MAX_LINES + 1} lines, over ${MAX_LINES}: split it by concept`);
		expect(problems).toContain("atlassian/api.ts: calls fetch; only oauth2/transport.ts talks to the network");
		expect(problems.some((problem) => problem.startsWith('extras/x.ts: the room "extras" is not in a layer'))).toBe(true);
	});
});

describe("checkTestMirror", () => {
	it("wants a test at the mirrored path for each source file with logic, not for entries or type-only modules", () => {
		const sources = ["oauth2/tokens.ts", "tokens/lease-keeper.ts", "index.ts", "redis/index.ts", "tokens/token-manager-options.ts"];
		expect(checkTestMirror(sources, ["oauth2/tokens.test.ts", "lease-keeper.test.ts"])).toEqual([
			"tokens/lease-keeper.ts: no test at test/tokens/lease-keeper.test.ts (tests mirror sources)",
		]);
	});
});
