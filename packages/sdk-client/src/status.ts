/**
 * The client's status machine, as transitions both SDKs apply:
 *
 *   initializing ──delivered──► ready ──lost──► stale ──delivered──► ready
 *   initializing ──lost, with a bootstrap or persisted snapshot──► stale (announced as `ready`, then `stale`)
 *   any ──close()──► closed
 */

/**
 * `initializing`: no snapshot from the server yet. `ready`: serving a current snapshot.
 * `stale`: serving the last known snapshot while the server is unreachable. `closed`:
 * after `close()`; evaluation still answers.
 */
export type ClientStatus = 'initializing' | 'ready' | 'stale' | 'closed';

/** Where the snapshot being served came from. */
export type SnapshotSource = 'none' | 'bootstrap' | 'persisted' | 'server';

/**
 * The event a delivery from the server announces (the status becomes `ready`), or
 * undefined when nothing changes (already ready, or closed).
 */
export const delivered = (status: ClientStatus): 'ready' | 'recovered' | undefined =>
  status == 'initializing' ? 'ready' : status == 'stale' ? 'recovered' : undefined;

/**
 * What losing the server does: a ready client goes `stale`; one still initializing
 * starts serving its fallback (`fallback`: bootstrap or persisted snapshot) if it has
 * one, else stays as it is (undefined).
 */
export const lost = (status: ClientStatus, fallback: boolean): 'stale' | 'fallback' | undefined =>
  status == 'ready' ? 'stale' : status == 'initializing' && fallback ? 'fallback' : undefined;

/**
 * Whether evaluations are answered before any snapshot: no snapshot is served and the
 * client isn't an offline one deliberately serving nothing (which is `ready`).
 */
export const notReady = (status: ClientStatus, source: SnapshotSource): boolean => source == 'none' && status != 'ready';
