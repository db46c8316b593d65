// Reading the spec version and writing case files, shared by the generators and the check.

import { readFileSync, writeFileSync } from 'node:fs';

export const packageDir = new URL('../', import.meta.url);
export const casesDir = new URL('../cases/', import.meta.url);

/** The spec version is the package version: one number for the cases and the package. */
export function readSpecVersion() {
  const pkg = JSON.parse(readFileSync(new URL('package.json', packageDir), 'utf8'));
  return pkg.version;
}

/** 2-space indent, UTF-8, trailing newline, so regeneration is byte-identical. */
export function writeCaseFile(fileName, document) {
  const url = new URL(fileName, casesDir);
  writeFileSync(url, `${JSON.stringify(document, null, 2)}\n`, 'utf8');
  return url;
}

export function readCaseFile(fileName) {
  return JSON.parse(readFileSync(new URL(fileName, casesDir), 'utf8'));
}
