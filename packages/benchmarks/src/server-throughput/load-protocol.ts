/** What the throughput benchmark asks of its load-generator process, and what comes back. */

export interface LoadRequest {
  url: string;
  connections: number;
  durationSeconds: number;
  headers: Record<string, string>;
}

export interface LoadResult {
  durationSeconds: number;
  /** Responses received. */
  total: number;
  /** Per one-second sample. */
  requestsPerSecond: { mean: number; stddev: number; min: number; max: number };
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  bytesPerSecond: number;
  errors: number;
  timeouts: number;
  statusCounts: Record<string, number>;
  /** CPU time the load generator itself used. */
  cpuSeconds: number;
}
