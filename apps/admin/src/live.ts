/**
 * Live updates: the admin API has no admin event stream, so while the tab is visible
 * this polls the newest audit events every couple of seconds and tells subscribers
 * which events are new. Pages refetch what those events touched.
 */
import type { AdminApi } from './api/client';
import type { AuditEvent } from '@switchboard/api-client';

export type LiveListener = (events: AuditEvent[]) => void;
export type LiveStatus = 'connecting' | 'live' | 'paused' | 'offline';

const PAGE = 25;

export class LiveFeed {
  private lastId: number | undefined;
  private readonly listeners = new Set<LiveListener>();
  private readonly statusListeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private inFlight = false;
  private currentStatus: LiveStatus = 'connecting';

  constructor(
    private readonly api: AdminApi,
    private readonly intervalMs = 2000,
  ) {}

  get status(): LiveStatus {
    return this.currentStatus;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    document.addEventListener('visibilitychange', this.onVisibility);
    void this.poll();
  }

  stop(): void {
    this.running = false;
    document.removeEventListener('visibilitychange', this.onVisibility);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  subscribe(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscribeStatus = (listener: () => void): (() => void) => {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  };

  getStatus = (): LiveStatus => this.currentStatus;

  /** Polls right away (e.g. after a write), instead of waiting for the next tick. */
  pollSoon(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), 50);
  }

  private setStatus(status: LiveStatus): void {
    if (status === this.currentStatus) return;
    this.currentStatus = status;
    for (const l of this.statusListeners) l();
  }

  private readonly onVisibility = (): void => {
    if (document.visibilityState === 'visible') this.pollSoon();
    else this.setStatus('paused');
  };

  private schedule(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), this.intervalMs);
  }

  private async poll(): Promise<void> {
    if (!this.running || this.inFlight) return;
    if (document.visibilityState === 'hidden') {
      this.setStatus('paused');
      return;
    }
    this.inFlight = true;
    try {
      const page = await this.api.audit.list({ limit: PAGE });
      this.setStatus('live');
      const newest = page.events[0]?.id ?? 0;
      if (this.lastId === undefined) {
        this.lastId = newest;
      } else if (newest > this.lastId) {
        const fresh = page.events.filter((e) => e.id > this.lastId!).reverse();
        this.lastId = newest;
        for (const l of this.listeners) l(fresh);
      }
    } catch {
      this.setStatus('offline');
    } finally {
      this.inFlight = false;
      this.schedule();
    }
  }
}

/** "alice turned off new-checkout in production": an audit event in words. */
export function describeEvent(e: Pick<AuditEvent, 'action' | 'flagKey' | 'environment' | 'subject' | 'after'>): string {
  const flag = e.flagKey ?? e.subject ?? '';
  const inEnv = e.environment ? ` in ${e.environment}` : '';
  switch (e.action) {
    case 'flag.create':
      return `created flag ${flag}`;
    case 'flag.update':
      return `edited flag ${flag}`;
    case 'flag.archive':
      return `archived flag ${flag}`;
    case 'flag.unarchive':
      return `unarchived flag ${flag}`;
    case 'flag.delete':
      return `deleted flag ${flag}`;
    case 'config.kill':
      return `turned off ${flag}${inEnv}`;
    case 'config.enable':
      return `turned on ${flag}${inEnv}`;
    case 'config.rollout':
      return `changed the rollout of ${flag}${inEnv}`;
    case 'config.replace':
    case 'config.update':
      return `edited the targeting of ${flag}${inEnv}`;
    case 'config.restore':
      return `restored an earlier version of ${flag}${inEnv}`;
    case 'segment.create':
      return `created segment ${flag}`;
    case 'segment.update':
      return `edited segment ${flag}`;
    case 'segment.delete':
      return `deleted segment ${flag}`;
    case 'environment.create':
      return `created environment ${e.environment ?? flag}`;
    case 'environment.update':
      return `renamed environment ${e.environment ?? flag}`;
    case 'environment.delete':
      return `deleted environment ${e.environment ?? flag}`;
    case 'api-key.create':
      return `created an API key${inEnv}`;
    case 'api-key.revoke':
      return `revoked an API key${inEnv}`;
    case 'release.create':
      return `planned a release of ${flag}${inEnv}`;
    case 'release.start':
      return `started the release of ${flag}${inEnv}`;
    case 'release.stage':
      return `set the release stage of ${flag}${inEnv}`;
    case 'release.advance':
      return `advanced the release of ${flag}${inEnv}`;
    case 'release.complete':
      return `completed the release of ${flag}${inEnv}`;
    case 'release.pause':
      return `paused the release of ${flag}${inEnv}`;
    case 'release.resume':
      return `resumed the release of ${flag}${inEnv}`;
    case 'release.rollback':
      return `rolled back the release of ${flag}${inEnv}`;
    case 'release.kill':
      return `turned off ${flag}${inEnv} (release guard)`;
    case 'release.cancel':
      return `cancelled the release of ${flag}${inEnv}`;
    case 'schedule.create':
      return `scheduled a change of ${flag}${inEnv}`;
    case 'schedule.cancel':
      return `cancelled a scheduled change of ${flag}${inEnv}`;
    case 'schedule.applied':
      return `applied a scheduled change of ${flag}${inEnv}`;
    default:
      return `${e.action} ${flag}${inEnv}`.trim();
  }
}
