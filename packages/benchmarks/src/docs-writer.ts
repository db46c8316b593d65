import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * docs/benchmarks.md is shared by every benchmark module. Each module owns one section
 * between `<!-- bench:<id>:start -->` and `<!-- bench:<id>:end -->` and replaces only
 * that; a module whose section isn't there yet appends it. Text outside the markers
 * is never touched, so sections written by other modules (or by hand) survive.
 */

const PREAMBLE = `# Benchmarks

Measured side by side with established SDKs on one machine by \`pnpm bench\` from the
repository root (sources in \`packages/benchmarks\`). Each section below is written by
one benchmark module and replaced only by that module's next run; numbers are from the
machine named in the section. Benchmarks are never timed tests: nothing here gates CI.
`;

/** The workspace root: the nearest ancestor of `from` holding pnpm-workspace.yaml. */
export function findRepoRoot(from: string): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no pnpm-workspace.yaml above ${from}`);
    dir = parent;
  }
}

export function markers(id: string): { start: string; end: string } {
  if (!/^[a-z0-9-]+$/.test(id)) throw new Error(`section id must be kebab-case: ${id}`);
  return { start: `<!-- bench:${id}:start -->`, end: `<!-- bench:${id}:end -->` };
}

/** Returns `document` with section `id` set to `body` (which should start with its own heading). */
export function replaceSection(document: string, id: string, body: string): string {
  const { start, end } = markers(id);
  const block = `${start}\n${body.trim()}\n${end}`;
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from !== -1 && to > from) return document.slice(0, from) + block + document.slice(to + end.length);
  if (from !== -1 || to !== -1) throw new Error(`docs/benchmarks.md: markers of section ${id} are unbalanced; fix them by hand`);
  return `${document.trimEnd()}\n\n${block}\n`;
}

export function writeSection(file: string, id: string, body: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const current = existsSync(file) ? readFileSync(file, 'utf8') : PREAMBLE;
  writeFileSync(file, replaceSection(current, id, body));
}
