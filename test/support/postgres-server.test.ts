import { expect, it } from "vitest";
import { createPool, endPool, startPostgres } from "./postgres-server.js";

// pg's Pool.end() resolves before its connections have closed; a server stopped in that gap sends them a
// FATAL that the pool re-emits as an 'error' event, which ended a CI run as an unhandled error.
it("endPool() resolves only once every connection has closed, so the server can be stopped right after", async () => {
	const errors: string[] = [];
	for (let round = 0; round < 2; round++) {
		const postgres = await startPostgres();
		try {
			const pool = createPool(postgres.url, { max: 20 });
			pool.on("error", (error) => errors.push(error.message));
			await Promise.all(Array.from({ length: 20 }, () => pool.query("SELECT pg_sleep(0.02)")));
			expect(pool.totalCount).toBe(20);
			await endPool(pool);
		} finally {
			await postgres.stop();
		}
		await new Promise((resolve) => setTimeout(resolve, 100)); // a late FATAL would arrive here
	}
	expect(errors).toEqual([]);
}, 60_000);
