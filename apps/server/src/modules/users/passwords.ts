/** Local-account passwords: argon2id (memory-hard), with the library's recommended cost. */
import { hash, verify } from '@node-rs/argon2';

/** Verified against when the email is unknown, so a wrong email takes as long as a wrong password. */
let decoy: Promise<string> | undefined;

export function hashPassword(password: string): Promise<string> {
  // 2 = Algorithm.Argon2id (a const enum the isolated-module build cannot inline).
  return hash(password, { algorithm: 2 });
}

export async function passwordMatches(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    decoy ??= hashPassword('decoy password, never matches');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
