/** The package version, read once from package.json (a module of its own so `--version` loads nothing else). */
import { readFileSync } from 'node:fs';

let cachedVersion: string | null = null;

export function version(): string {
  if (cachedVersion === null) {
    // This module is dist/version.js (src/version.ts under the tests), or part of a chunk of the CLI bundle in
    // dist/bundle/: the package's root is one or two folders up.
    const here = new URL('.', import.meta.url);
    const url = here.pathname.endsWith('/dist/bundle/') ? new URL('../../package.json', here) : new URL('../package.json', here);
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version: string };
    cachedVersion = pkg.version;
  }
  return cachedVersion;
}
