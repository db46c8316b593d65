/** A lock held by another Postgres session, as a competing client or an operator's `psql` would hold it. */
import postgres from 'postgres';

export interface HeldLock {
  /** Commits the holding transaction (releasing the lock) and closes its session. */
  release(): Promise<void>;
}

/**
 * Runs `statement` (e.g. `lock table flags in access exclusive mode`, or a `select … for
 * update`) in a transaction on its own connection and keeps that transaction open until
 * `release()`. Resolves once the lock is held.
 */
export async function holdLock(databaseUrl: string, statement: string): Promise<HeldLock> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  let locked!: () => void;
  const acquired = new Promise<void>((r) => (locked = r));
  const transaction = sql.begin(async (tx) => {
    await tx.unsafe(statement);
    locked();
    await done;
  });
  await Promise.race([acquired, transaction]);
  return {
    async release() {
      finish();
      await transaction;
      await sql.end({ timeout: 1 });
    },
  };
}
