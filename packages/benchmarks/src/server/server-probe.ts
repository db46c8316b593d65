/**
 * Preloaded (`node --expose-gc --import server-probe.js dist/server.js`) into every
 * server process a benchmark starts. It adds nothing to the server's work: it answers
 * one IPC message, `{ type: 'memory' }`, with `process.memoryUsage()` taken after three
 * full garbage collections, and it ends the server when the benchmark's IPC channel
 * closes, so a benchmark that dies (even by SIGKILL) leaves no server behind.
 */
import type { MemoryReport, ProbeRequest } from './probe-protocol.js';

// Plain `gc()`: on Node 20 (V8 11.3) `gc({ type: 'major', execution: 'sync' })` collects
// nothing, which would make every figure here look like a leak.
const gc = (globalThis as { gc?: () => void }).gc;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

process.on('message', (message: ProbeRequest) => {
  if (message?.type !== 'memory') return;
  void (async () => {
    // Three full collections a moment apart: V8 hands freed pages back to the OS in
    // the background, so resident memory read right after one GC still holds them.
    for (let i = 0; i < 3 && gc; i++) {
      gc();
      await pause(250);
    }
    const usage = process.memoryUsage();
    const report: MemoryReport = { type: 'memory', id: message.id, gcRan: gc !== undefined, ...usage };
    process.send?.(report);
  })();
});
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
// The channel alone must not keep a server alive that is otherwise done.
process.channel?.unref();
