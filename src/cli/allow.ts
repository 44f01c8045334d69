/** `modelscan-guard allow PATH|SHA256 --reason "..."`: allow one exact file on purpose, with a trace. */
import { statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { addAllowEntry, ALLOW_FILE } from '../config/allow-file.js';
import { EXIT, type ExitCode } from '../engine/verdict.js';
import { sha256OfFile } from '../sources/lfs/store.js';
import { parsePointer, pointerHeadOf } from '../sources/lfs/pointer.js';
import { openRepoHere } from './guard-common.js';
import { UsageError } from './usage.js';

export const ALLOW_HELP = `Usage: modelscan-guard allow PATH|SHA256 --reason "why this exact file is safe"

Records an allow entry in ${ALLOW_FILE} (repository root; commit it) keyed by the sha256 of the file's
content, never by its name: renaming it keeps it allowed, changing one byte makes it scanned again.
For a Git LFS pointer left in the working tree (GIT_LFS_SKIP_SMUDGE) the pointer's object is allowed.
Allowed files are still scanned and reported as allowed; they no longer block.
`;

export async function runAllow(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { reason: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    process.stdout.write(ALLOW_HELP);
    return EXIT.CLEAN;
  }
  if (positionals.length !== 1) throw new UsageError('allow needs exactly one PATH or SHA256');
  const reason = values.reason?.trim();
  if (!reason) throw new UsageError('allow needs --reason "...": the reason is recorded next to the entry for reviewers');
  const repo = openRepoHere();
  if (!repo.top) throw new UsageError('allow needs a working tree (the allow list is a committed file)');
  const target = positionals[0]!;
  let sha256: string;
  let path: string | undefined;
  let st;
  try {
    st = statSync(target);
  } catch {
    st = undefined;
  }
  if (st?.isFile()) {
    path = relative(repo.top, resolve(target)).split('\\').join('/');
    // As git-lfs reads a pointer: from the first 1024 bytes, whatever the file's length.
    const pointer = parsePointer(pointerHeadOf(target));
    sha256 = pointer.kind === 'pointer' ? pointer.pointer.oid : await sha256OfFile(target);
  } else if (/^[0-9a-fA-F]{64}$/.test(target)) {
    sha256 = target.toLowerCase();
  } else {
    throw new UsageError(`${JSON.stringify(target)} is neither a file nor a sha256 (64 hex digits)`);
  }
  const { file, replaced } = addAllowEntry(repo.top, { sha256, reason, ...(path ? { path } : {}), added: new Date().toISOString().slice(0, 10) });
  process.stdout.write(`${replaced ? 'updated' : 'allowed'} sha256 ${sha256}${path ? ` (${path})` : ''} in ${relative(process.cwd(), file) || file}\nCommit it: git add ${ALLOW_FILE}\n`);
  return EXIT.CLEAN;
}
