import { expect, it } from "vitest";
import { ChangeListeners } from "../../src/tokens/change-listeners.js";

it("notifies every listener of a key in a microtask, survives a throwing one, and tells when a key gains its first and loses its last", async () => {
	const events: string[] = [];
	const listeners = new ChangeListeners({ onFirst: (key) => events.push(`first ${key}`), onLast: (key) => events.push(`last ${key}`) });
	const calls: string[] = [];
	const stopA = listeners.add("k", () => {
		throw new Error("a listener's own failure");
	});
	const stopB = listeners.add("k", () => calls.push("b"));
	listeners.notify("k");
	listeners.notify("other");
	expect(calls).toEqual([]); // not inside the call that caused it
	await Promise.resolve();
	await Promise.resolve();
	expect(calls).toEqual(["b"]);
	stopA();
	stopA(); // twice is harmless
	expect(listeners.keys).toBe(1);
	stopB();
	expect(listeners.keys).toBe(0);
	expect(events).toEqual(["first k", "last k"]);
});
