/** What a promise (or a function returning one) rejects with; fails the test if it resolves. */
export async function rejection(pending: Promise<unknown> | (() => Promise<unknown>)): Promise<Error> {
	try {
		await (typeof pending === "function" ? pending() : pending);
	} catch (error) {
		return error as Error;
	}
	throw new Error("expected a rejection");
}
