/**
 * A load generator for the story: `users` distinct users checking out at random, with at
 * most `concurrency` requests in flight, until `stop()` says so. Only ever aimed at the
 * local checkout service.
 */
export interface LoadOptions {
  url: string;
  users: number;
  concurrency: number;
  /** Pause between one worker's requests, ms. */
  pauseMs: number;
  random?: () => number;
}

export interface Load {
  /** Requests sent, and answered 5xx. */
  sent: number;
  failed: number;
  stop(): Promise<void>;
}

export function startLoad(options: LoadOptions): Load {
  const { url, users, concurrency, pauseMs, random = Math.random } = options;
  if (!/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url)) throw new Error('the load generator only targets the local checkout service');
  let running = true;
  const load: Load = { sent: 0, failed: 0, stop: async () => {} };
  const worker = async (): Promise<void> => {
    while (running) {
      const user = `user-${Math.floor(random() * users)}`;
      try {
        const res = await fetch(`${url}/checkout?user=${user}`, { method: 'POST' });
        await res.arrayBuffer();
        load.sent++;
        if (res.status >= 500) load.failed++;
      } catch {
        load.failed++;
      }
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const workers = Array.from({ length: concurrency }, () => worker());
  load.stop = async () => {
    running = false;
    await Promise.all(workers);
  };
  return load;
}
