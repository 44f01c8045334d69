/**
 * The committed allow list: `.modelscan-guard-allow.json` in the repository root, written by
 * `modelscan-guard allow`. Entries are keyed by the sha256 of the content, never by path, so an allowed model
 * stays allowed when renamed and a different file under the same name is scanned again. Config `allow`
 * entries are read too; this file exists so the command never has to rewrite a user's (maybe JS) config.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifactAllows, ConfigError, type ArtifactAllow } from './schema.js';

export const ALLOW_FILE = '.modelscan-guard-allow.json';

export function allowFilePath(root: string): string {
  return join(root, ALLOW_FILE);
}

export function readAllowFile(root: string): ArtifactAllow[] {
  const file = allowFilePath(root);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ConfigError(`${file}: cannot read (${(err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${file}: expected {"allow": [...]}`);
  const keys = Object.keys(raw);
  const unknown = keys.filter((k) => k !== 'allow' && k !== '$comment');
  if (unknown.length > 0) throw new ConfigError(`${file}.${unknown[0]}: unknown key (expected allow)`);
  return artifactAllows((raw as { allow?: unknown }).allow ?? [], `${file}: allow`);
}

/** Adds (or replaces, same sha256) an entry; written atomically so a crash never leaves half a file. */
export function addAllowEntry(root: string, entry: ArtifactAllow & { added?: string }): { file: string; replaced: boolean } {
  const file = allowFilePath(root);
  const existing = readAllowFile(root);
  const replaced = existing.some((e) => e.sha256 === entry.sha256);
  const entries = [...existing.filter((e) => e.sha256 !== entry.sha256), entry].sort((a, b) => (a.path ?? '').localeCompare(b.path ?? '') || a.sha256.localeCompare(b.sha256));
  const body = {
    $comment: 'Artifacts allowed on purpose by `modelscan-guard allow`, keyed by the sha256 of their content. Review changes to this file like code.',
    allow: entries,
  };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(body, null, 2) + '\n');
  renameSync(tmp, file);
  return { file, replaced };
}
