/** Everything a command touches outside itself, passed in so tests run `main()` in-process. */

export interface Output {
  write(chunk: string): unknown;
}

export interface Io {
  /** Environment variables (`SWITCHBOARD_URL`, `SWITCHBOARD_TOKEN`); never read from `process.env` directly. */
  env: Readonly<Record<string, string | undefined>>;
  /** Results: tables, `--json` documents, the secret of a new key. */
  stdout: Output;
  /** Everything else: progress, notices, prompts, errors. */
  stderr: Output;
  /** Answers to confirmation prompts. */
  stdin: NodeJS.ReadableStream;
  /** Whether stdin is a terminal a person can answer a prompt on. */
  isTTY: boolean;
  /** Defaults to the global `fetch`; tests wrap it to interleave a concurrent edit. */
  fetch?: typeof fetch;
}
