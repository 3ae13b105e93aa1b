// Checks the layout of src/ (run by `npm test`): no file over 300 lines, no import from a lower layer up to a
// higher one (nor between the rooms of one layer), no import cycle, one module that calls fetch, and a test at
// the mirrored path (src/a/b.ts → test/a/b.test.ts) for every source file with logic.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The layers, lowest first. A room may import from its own room and from rooms of lower layers only.
 * A room is a folder of src/ (its subfolders belong to it); "." is the entry files at src/'s root.
 */
export const LAYERS = [
	["internal"], // primitives that are not OAuth: JSON, base64url, random, SHA-256, timers, abort, backoff
	["oauth2"], // the generic OAuth 2.0 protocol, and the one module that talks to the network
	["atlassian", "tokens", "node"], // Atlassian's platform; the token lifecycle (on capabilities, not on Atlassian); Node glue
	["redis", "postgres", "store", "otel"], // the stores, the kit for store authors, the OpenTelemetry bridge
	["testing"], // the emulator and test helpers
	["."], // the entry points: only the public surface
];
export const MAX_LINES = 300;
/** The one module that may call fetch. */
export const NETWORK_MODULE = "oauth2/transport.ts";

const IMPORT = /^\s*(?:import|export)\s+(?:type\s+)?(?:[^"';]*?\sfrom\s+)?["'](\.[^"']+)["']/gm;

/** `files`: path under src/ → source. Returns what breaks the rules, one line each; empty when none does. */
export function checkArchitecture(files) {
	const problems = [];
	const rank = new Map(LAYERS.flatMap((rooms, layer) => rooms.map((room) => [room, layer])));
	const roomOf = (path) => (path.includes("/") ? path.slice(0, path.indexOf("/")) : ".");
	const graph = new Map();
	for (const [path, source] of files) {
		const lines = source.split("\n").length - (source.endsWith("\n") ? 1 : 0);
		if (lines > MAX_LINES) problems.push(`${path}: ${lines} lines, over ${MAX_LINES}: split it by concept`);
		if (path !== NETWORK_MODULE && /\bglobalThis\.fetch\b|(?<![\w.$])fetch\s*\(/.test(source.replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, ""))) {
			problems.push(`${path}: calls fetch; only ${NETWORK_MODULE} talks to the network`);
		}
		const room = roomOf(path);
		if (!rank.has(room)) problems.push(`${path}: the room "${room}" is not in a layer (scripts/check-architecture.mjs)`);
		const targets = [];
		for (const match of source.matchAll(IMPORT)) {
			const target = normalize(join(dirname(path), match[1])).replace(/\.js$/, ".ts");
			targets.push(target);
			const targetRoom = roomOf(target);
			if (target.startsWith("..")) {
				problems.push(`${path}: imports ${match[1]}, outside src/`);
			} else if (targetRoom !== room && rank.has(room) && rank.has(targetRoom) && rank.get(targetRoom) >= rank.get(room)) {
				problems.push(
					`${path}: imports ${target}, from layer ${rank.get(targetRoom)} ("${targetRoom}") into layer ${rank.get(room)} ("${room}"); imports point down only`,
				);
			}
		}
		graph.set(path, targets);
	}
	for (const cycle of findCycles(graph)) problems.push(`import cycle: ${cycle.join(" → ")}`);
	return problems;
}

/** Source files without logic of their own, which need no test beside them: entry points (re-exports) and type-only modules. */
export const WITHOUT_LOGIC = [/(^|\/)index\.ts$/, /^testing\/msw\.ts$/, /-options\.ts$/];

/** `sources`: paths under src/; `tests`: paths under test/. Returns each source file with logic that has no test beside it. */
export function checkTestMirror(sources, tests) {
	const present = new Set(tests);
	return sources
		.filter((path) => !WITHOUT_LOGIC.some((pattern) => pattern.test(path)))
		.filter((path) => !present.has(path.replace(/\.ts$/, ".test.ts")))
		.map((path) => `${path}: no test at test/${path.replace(/\.ts$/, ".test.ts")} (tests mirror sources)`);
}

/** Each cycle of the graph once, as the path that closes it. */
function findCycles(graph) {
	const cycles = [];
	const state = new Map(); // 1: on the current path, 2: done
	const path = [];
	const visit = (node) => {
		state.set(node, 1);
		path.push(node);
		for (const next of graph.get(node) ?? []) {
			if (!graph.has(next)) continue;
			if (state.get(next) === 1) cycles.push([...path.slice(path.indexOf(next)), next]);
			else if (state.get(next) === undefined) visit(next);
		}
		path.pop();
		state.set(node, 2);
	};
	for (const node of [...graph.keys()].sort()) if (state.get(node) === undefined) visit(node);
	return cycles;
}

function sourceFiles(root, directory = root) {
	return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
		const path = join(directory, entry.name);
		if (entry.isDirectory()) return sourceFiles(root, path);
		return entry.name.endsWith(".ts") ? [[relative(root, path), readFileSync(path, "utf8")]] : [];
	});
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const src = fileURLToPath(new URL("../src", import.meta.url));
	const files = new Map(sourceFiles(src));
	const tests = sourceFiles(fileURLToPath(new URL("../test", import.meta.url))).map(([path]) => path);
	const problems = [...checkArchitecture(files), ...checkTestMirror([...files.keys()], tests)];
	for (const problem of problems) console.error(`architecture: ${problem}`);
	if (problems.length > 0) process.exit(1);
	console.log(
		`architecture: ${files.size} files in src/, each ≤ ${MAX_LINES} lines; imports point down ${LAYERS.length} layers; no cycle; one module calls fetch; every source file with logic has its test beside it`,
	);
}
