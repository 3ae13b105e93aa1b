// Measuring small differences on a shared 2-core machine: contenders run in small batches, interleaved and
// shuffled within each cycle, so drift (other processes, CPU frequency, GC) hits all of them alike; each cycle
// gives one ratio, and the median ratio is reported with a 95 % bootstrap interval over the cycles.
import { cpus, platform, release, totalmem } from "node:os";

export type Task = () => unknown | Promise<unknown>;

export interface Comparison {
	/** Per contender: seconds per operation, one sample per cycle. */
	samples: Record<string, number[]>;
	/** Median ops/s per contender. */
	opsPerSecond: Record<string, number>;
}

export interface Interval {
	median: number;
	low: number;
	high: number;
}

export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = sorted.length / 2;
	return sorted.length % 2 === 1
		? (sorted[Math.floor(middle)] as number)
		: ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** The median of `values` with a 95 % percentile-bootstrap interval (2 000 resamples). */
export function bootstrapMedian(values: readonly number[], resamples = 2_000): Interval {
	const medians: number[] = [];
	for (let i = 0; i < resamples; i++) {
		medians.push(median(Array.from({ length: values.length }, () => values[Math.floor(Math.random() * values.length)] as number)));
	}
	return { median: median(values), low: percentile(medians, 2.5), high: percentile(medians, 97.5) };
}

function shuffled<T>(items: readonly T[]): T[] {
	const copy = [...items];
	for (let i = copy.length - 1; i > 0; i--) {
		const j = Math.floor(Math.random() * (i + 1));
		[copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
	}
	return copy;
}

async function timeBatch(task: Task, operations: number): Promise<number> {
	const start = performance.now();
	for (let i = 0; i < operations; i++) await task();
	return (performance.now() - start) / 1000 / operations;
}

/**
 * Runs every contender in batches of the same number of operations (sized so the slowest batch takes about
 * `batchMs`, and at least 16 operations), cycle after cycle in a shuffled order, for about `totalMs`.
 */
export async function compare(contenders: Record<string, Task>, options: { batchMs?: number; totalMs?: number } = {}): Promise<Comparison> {
	const batchMs = options.batchMs ?? 2;
	const totalMs = options.totalMs ?? 3_000;
	const names = Object.keys(contenders);
	// Warm up, and size the batch on the slowest contender.
	let slowest = 0;
	for (const name of names) {
		await timeBatch(contenders[name] as Task, 16);
		slowest = Math.max(slowest, await timeBatch(contenders[name] as Task, 16));
	}
	const operations = Math.max(16, Math.round(batchMs / 1000 / slowest));
	const samples: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
	const end = performance.now() + totalMs;
	while (performance.now() < end || (samples[names[0] as string]?.length ?? 0) < 20) {
		for (const name of shuffled(names)) samples[name]?.push(await timeBatch(contenders[name] as Task, operations));
	}
	return { samples, opsPerSecond: Object.fromEntries(names.map((name) => [name, 1 / median(samples[name] ?? [])])) };
}

/** How many times faster `a` is than `b` (ops/s of a ÷ ops/s of b), per cycle, with its interval. */
export function speedup(comparison: Comparison, a: string, b: string): Interval {
	const left = comparison.samples[a] ?? [];
	const right = comparison.samples[b] ?? [];
	return bootstrapMedian(left.map((seconds, cycle) => (right[cycle] as number) / seconds));
}

/** `a`'s time per operation as a multiple of `b`'s, per cycle, with its interval. */
export function timeRatio(comparison: Comparison, a: string, b: string): Interval {
	const left = comparison.samples[a] ?? [];
	const right = comparison.samples[b] ?? [];
	return bootstrapMedian(left.map((seconds, cycle) => seconds / (right[cycle] as number)));
}

export function formatInterval(interval: Interval, digits = 2, unit = ""): string {
	return `${interval.median.toFixed(digits)}${unit} [95 % CI ${interval.low.toFixed(digits)}–${interval.high.toFixed(digits)}${unit}]`;
}

export function machineHeader(): string {
	const cpu = cpus();
	return `${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${platform()} ${release()}, ${new Date().toISOString()}`;
}
