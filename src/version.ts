/** The package version, read once from package.json (a module of its own so `--version` loads nothing else). */
import { readFileSync } from 'node:fs';

let cachedVersion: string | null = null;

export function version(): string {
  if (cachedVersion === null) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    cachedVersion = pkg.version;
  }
  return cachedVersion;
}
