import { type ChildProcess, fork } from "node:child_process";
import { bundleWorker } from "./bundle-worker.js";

/** What a soak worker (test/support/soak-worker.ts) saw: its calls, and every error by name. */
export interface WorkerReport {
	calls: number;
	ok: number;
	invalidGrant: number;
	errors: Record<string, number>;
}

/** Forks soak workers, one per environment, and resolves once each is ready. */
export async function startSoakWorkers(environments: Record<string, string>[]): Promise<ChildProcess[]> {
	const workerFile = await bundleWorker(new URL("./soak-worker.ts", import.meta.url));
	return Promise.all(
		environments.map(async (environment) => {
			const child = fork(workerFile, [], { env: { ...process.env, ...environment }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
			await new Promise((resolve) => child.once("message", resolve));
			return child;
		}),
	);
}

/** Tells every worker to stop, and collects their reports and the errors they saw, added up. */
export async function stopSoakWorkers(workers: ChildProcess[]): Promise<{ reports: WorkerReport[]; errors: Record<string, number> }> {
	const reports = await Promise.all(
		workers.map(
			(worker) =>
				new Promise<WorkerReport>((resolve) => {
					worker.on("message", (message: { report?: WorkerReport }) => message.report && resolve(message.report));
					worker.send("stop");
				}),
		),
	);
	const errors: Record<string, number> = {};
	for (const report of reports) for (const [name, count] of Object.entries(report.errors)) errors[name] = (errors[name] ?? 0) + count;
	return { reports, errors };
}
