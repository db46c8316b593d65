/**
 * The load generator, run as its own process (pinned to its own CPU by the benchmark):
 * `node load-generator.js '<json LoadRequest>'`. It runs autocannon against one URL and
 * sends the result back over IPC, then exits. It exits at once if the benchmark dies.
 */
import autocannon from 'autocannon';
import { tether } from '../child-processes.js';
import type { LoadRequest, LoadResult } from './load-protocol.js';

tether();

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2] ?? '') as LoadRequest;
  const cpuBefore = process.cpuUsage();
  const result = await autocannon({
    url: request.url,
    connections: request.connections,
    pipelining: 1,
    duration: request.durationSeconds,
    headers: request.headers,
    timeout: 10,
  });
  const cpu = process.cpuUsage(cpuBefore);
  const statusCounts: Record<string, number> = {};
  for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) statusCounts[status] = stats.count ?? 0;
  const reply: LoadResult = {
    durationSeconds: result.duration,
    total: result.requests.total,
    requestsPerSecond: {
      mean: result.requests.average,
      stddev: result.requests.stddev,
      min: result.requests.min,
      max: result.requests.max,
    },
    latencyMs: {
      mean: result.latency.average,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    bytesPerSecond: result.throughput.average,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCounts,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
  process.send!(reply, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
