/**
 * The absolute node binary and CLI script that native hooks record (see shell.ts for the fallbacks). The script is
 * taken from this package's own files, not from process.argv[1]: argv[1] may be a symlink in a global bin folder or
 * an npx shim, while the package file stays valid for as long as this installation exists.
 */
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { GuardLocation } from './shell.js';

export function thisGuard(): GuardLocation {
  const script = fileURLToPath(new URL('../../bin/modelscan-guard.js', import.meta.url));
  if (!existsSync(script)) return {};
  return { recorded: { node: realpathSync(process.execPath), script: realpathSync(script) } };
}
