/** `modelscan-guard install`: argument parsing and the report; the work is in ../install/. */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, type ExitCode } from '../engine/verdict.js';
import { install, InstallError } from '../install/index.js';
import type { GuardHook } from '../install/scripts.js';

export const INSTALL_HELP = `Usage: modelscan-guard install [--pre-commit] [--pre-push] [--husky] [--uninstall]

Installs the guard as git hooks of the repository containing the current directory: pre-commit runs
'modelscan-guard staged', pre-push runs 'modelscan-guard pre-push'. Both by default.

Native hooks go to the hooks directory git uses (core.hooksPath respected). When core.hooksPath points
into husky's directory, or with --husky, the guard is added to .husky/pre-commit and .husky/pre-push instead.
A hook already in place is kept and chained, never overwritten; installing again changes nothing. In a
repository that uses Git LFS the pre-push hook runs 'git lfs pre-push' after the guard allowed the push.

Options:
  --pre-commit   install the pre-commit hook
  --pre-push     install the pre-push hook
  --husky        write husky's files (.husky/) even if core.hooksPath does not point there yet
  --uninstall    remove the guard's hooks and put chained hooks back (git-lfs calls stay: LFS needs them)
  -h, --help     show this help
`;

export function runInstall(argv: string[]): ExitCode {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      'pre-commit': { type: 'boolean', default: false },
      'pre-push': { type: 'boolean', default: false },
      husky: { type: 'boolean', default: false },
      uninstall: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(INSTALL_HELP);
    return EXIT.CLEAN;
  }
  const picked: GuardHook[] = [];
  if (values['pre-commit']) picked.push('pre-commit');
  if (values['pre-push']) picked.push('pre-push');
  const hooks: GuardHook[] = picked.length > 0 ? picked : ['pre-commit', 'pre-push'];
  try {
    const r = install({ cwd: process.cwd(), hooks, husky: values.husky, uninstall: values.uninstall });
    const out: string[] = [];
    if (r.lfs.length > 0 && !values.uninstall) out.push(`Git LFS in use (${r.lfs[0]}): pre-push runs 'git lfs pre-push' after the guard`);
    for (const a of r.actions) out.push(`${a.change.padEnd(9)} ${relative(process.cwd(), a.path) || a.path}${a.note ? `  (${a.note})` : ''}`);
    if (r.actions.length === 0) out.push('nothing to do');
    for (const n of r.notes) out.push(`note: ${n}`);
    process.stdout.write(out.map((l) => `modelscan-guard: ${l}\n`).join(''));
    return EXIT.CLEAN;
  } catch (err) {
    if (err instanceof InstallError) {
      process.stderr.write(`modelscan-guard install: ${err.message}\n`);
      return EXIT.ERRORS;
    }
    throw err;
  }
}
