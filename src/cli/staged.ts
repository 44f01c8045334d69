/** `modelscan-guard staged [PATH...]`: the pre-commit check of what is about to be committed. */
import { parseArgs } from 'node:util';
import { renderEffective } from '../config/effective.js';
import { EXIT, type ExitCode } from '../engine/verdict.js';
import { stagedCandidates } from '../sources/git/changes.js';
import { GUARD_OPTIONS, guard, guardExit, printSummary, setUp } from './guard-common.js';

export const STAGED_HELP = `Usage: modelscan-guard staged [--config FILE] [--no-cache] [-v] [--print-config] [--] [PATH...]

Pre-commit check: scans the staged content (the index, not the working tree) of every file that differs
from HEAD, whatever its name; Git LFS pointers are resolved to their objects. With PATHs (as the pre-commit
framework passes them) the staged content of exactly those files is scanned, changed or not (so
\`pre-commit run --all-files\` audits every tracked file). Exit 0 lets the commit through;
1 (findings) or 2 (a file could not be analysed) blocks it, with a summary on stderr.
`;

export async function runStaged(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...GUARD_OPTIONS, 'print-config': { type: 'boolean', default: false } } });
  if (values.help) {
    process.stdout.write(STAGED_HELP);
    return EXIT.CLEAN;
  }
  // The pre-commit framework runs every hook at every installed stage unless told otherwise; at the push
  // stage (it sets PRE_COMMIT_REMOTE_NAME) the pre-push hook does this job.
  if (process.env.PRE_COMMIT === '1' && process.env.PRE_COMMIT_REMOTE_NAME !== undefined) return EXIT.CLEAN;
  const setup = await setUp(values.config);
  if (values['print-config']) {
    process.stdout.write(renderEffective(setup.values));
    return EXIT.CLEAN;
  }
  const report = await guard(setup, stagedCandidates(setup.repo, positionals), values['no-cache']);
  printSummary(report, { mode: 'staged', verbose: values.verbose });
  return guardExit(report);
}
