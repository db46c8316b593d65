/**
 * The last good snapshot, kept outside the process so a cold start with the server down
 * still serves real flag values. The client needs only these two methods, so any
 * storage (a file, Redis, a KV store) fits.
 */
import { readFile, rename, unlink, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface SnapshotStore {
  /** The saved snapshot JSON, or undefined when nothing was saved. */
  load(): Promise<string | undefined>;
  /** Replaces the saved snapshot JSON. */
  save(json: string): Promise<void>;
}

/** A store in one file, replaced atomically (write and flush a temporary file, then rename). */
export function createFileStore(path: string): SnapshotStore {
  return {
    async load() {
      try {
        return await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async save(json) {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        // Flushed to disk before the rename: after a power loss the rename may have reached
        // the disk and the data not, leaving an empty file where the last good snapshot was.
        await writeFile(tmp, json, { encoding: 'utf8', flush: true });
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      }
    },
  };
}
