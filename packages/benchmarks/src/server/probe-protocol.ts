/** Messages between a benchmark and the probe preloaded into its server processes. */

export interface ProbeRequest {
  type: 'memory';
  id: number;
}

export interface MemoryReport {
  type: 'memory';
  id: number;
  /** False when the server was started without --expose-gc (then no GC ran first). */
  gcRan: boolean;
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}
