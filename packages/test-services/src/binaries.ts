import { accessSync, constants } from 'node:fs';

/**
 * Throws a clear error naming the binary and the Debian package that provides it.
 * Integration tests must fail loudly when a service is missing, never skip.
 */
export function requireBinary(path: string, aptPackage: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `@switchboard/test-services: ${path} is missing or not executable. ` +
        `Install the Debian package: apt-get update && apt-get install -y ${aptPackage}`,
    );
  }
}
