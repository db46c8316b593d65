import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The hooks' types, compiled with the TypeScript compiler: typed once the app registers the
// flags `switchboard codegen` generated, as permissive as ever when it doesn't. The project's
// files are in memory, named as if in this folder, so imports resolve from this package.
// (String operations: happy-dom's URL doesn't resolve file: URLs.)
const here = decodeURIComponent(import.meta.url.replace(/^file:\/\//, '').replace(/[^/]*$/, ''));
const dir = `${here}typed-hooks-project.`;

// What `switchboard codegen` writes (the CLI's tests check that it does).
const FLAGS = `export type Flags = {
  'new-checkout': { type: 'boolean'; variants: 'off' | 'on'; value: boolean; clientSide: true };
  'checkout-theme': { type: 'string'; variants: 'dark' | 'light'; value: 'dark' | 'light'; clientSide: true };
  'max-items': { type: 'number'; variants: 'few' | 'many'; value: number; clientSide: false };
};
`;

const REGISTERED = `import { createClient } from '@switchboard/browser';
import { FlagsProvider, useFlag, useFlagsClient, useVariant } from '@switchboard/react';
import type { Flags } from './typed-hooks-project.flags.js';

declare module '@switchboard/react' {
  interface Register {
    flags: Flags;
  }
}

export const provider = FlagsProvider({ client: createClient<Flags>({ url: 'https://flags.example.com', key: 'k' }) });
export const untypedProvider = FlagsProvider({ client: createClient({ url: 'https://flags.example.com', key: 'k' }) });
export function ok(): unknown[] {
  return [
    useFlag('new-checkout', false) satisfies boolean,
    useFlag('checkout-theme', 'light') satisfies 'dark' | 'light',
    useVariant('checkout-theme').variant === 'dark',
    useFlagsClient().isEnabled('new-checkout'),
  ];
}
export function wrong(): unknown[] {
  return [
    useFlag('chekout', false), // error TS2769
    useVariant('checkout-theme').variant === 'drak', // error TS2367
    useFlag('checkout-theme', 'system'), // error TS2769
    useFlag('max-items', 10), // error TS2769
  ];
}
`;

const UNREGISTERED = `import { useFlag, useVariant } from '@switchboard/react';

export function loose(): unknown[] {
  return [useFlag('chekout', false) satisfies boolean, useFlag('limit', 10) satisfies number, useVariant('theme').variant === 'drak'];
}
`;

/** `// error TS1234` at the end of a line: the error that line must have (and lines without it none). */
function expectedErrors(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => [...line.matchAll(/\/\/ error (TS\d+)/g)].map((m) => `${file}:${i + 1} ${m[1]}`));
}

function compile(project: Record<string, string>): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
    skipLibCheck: true,
    paths: { '@switchboard/react': [`${here}index.ts`] },
  };
  const files = new Map(Object.entries(project).map(([name, text]) => [dir + name, text]));
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, language, ...rest) => {
    const text = files.get(f);
    return text === undefined ? getSourceFile.call(host, f, language, ...rest) : ts.createSourceFile(f, text, language);
  };
  return ts
    .getPreEmitDiagnostics(ts.createProgram([...files.keys()], options, host))
    .map((d) => {
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
      return `${d.file ? d.file.fileName.slice(dir.length) : '?'}:${line} TS${d.code}`;
    })
    .sort();
}

describe('typed hooks', () => {
  it('with the flags registered, reject unknown keys, unknown variants, wrong defaults and server-only flags', () => {
    const expected = expectedErrors('app.ts', REGISTERED);
    expect(expected).toHaveLength(4);
    expect(compile({ 'flags.ts': FLAGS, 'app.ts': REGISTERED })).toEqual(expected);
  });

  it('without a registration, take any key and default as before', () => {
    expect(compile({ 'app.ts': UNREGISTERED })).toEqual([]);
  });
});
