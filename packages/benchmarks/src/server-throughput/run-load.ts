import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChildGroup } from '../child-processes.js';
import type { LoadRequest, LoadResult } from './load-protocol.js';

const LOAD_GENERATOR = join(dirname(fileURLToPath(import.meta.url)), 'load-generator.js');

/** Runs one load generator child on `cpus` and waits for the result it reports before exiting. */
export async function runLoad(group: ChildGroup, request: LoadRequest, cpus: string): Promise<LoadResult> {
  const child = group.node('load generator', [LOAD_GENERATOR, JSON.stringify(request)], { cpus });
  const result = await new Promise<LoadResult>((resolve, reject) => {
    child.process.once('message', (m) => resolve(m as LoadResult));
    void child.exited.then(({ code }) => reject(new Error(`load generator exited with ${code} before reporting:\n${child.output()}`)));
  });
  await child.exited;
  return result;
}
