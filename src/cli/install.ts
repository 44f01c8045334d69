/** `modelscan-guard install`: argument parsing and the report; the work is in ../install/. */
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, type ExitCode } from '../engine/verdict.js';
import { install, InstallError } from '../install/index.js';
import { thisGuard } from '../install/locate.js';
import type { GuardHook } from '../install/scripts.js';
import { installServerHook, InstallError as ServerInstallError } from '../install/server-hook.js';
import { UsageError } from './usage.js';

export const INSTALL_HELP = `Usage: modelscan-guard install [--pre-commit] [--pre-push] [--husky] [--uninstall]
       modelscan-guard install --server TARGET [--config POLICY] [-- PRE-RECEIVE OPTIONS...]

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
  --server TARGET  instead: the server's pre-receive hook in a bare repository, or a file in a
                 pre-receive.d folder (GitLab custom_hooks, Gitea/Forgejo); --config POLICY and the options
                 after -- are passed to 'modelscan-guard pre-receive' (README, "Installing the server hook")
  -h, --help     show this help
`;

export function runInstall(argv: string[]): ExitCode {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true, // only after --, for --server (checked below)
    strict: true,
    options: {
      server: { type: 'string' },
      config: { type: 'string' },
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
  if (values.server !== undefined) return runServerInstall(values.server, values.config, positionals);
  if (positionals.length > 0 || values.config !== undefined) throw new UsageError('arguments and --config go with --server only');
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
    return refused(err);
  }
}

/** `install --server`: the work is in ../install/server-hook.ts. */
function runServerInstall(target: string, config: string | undefined, extraArgs: string[]): ExitCode {
  const recorded = thisGuard().recorded;
  try {
    const r = installServerHook(target, { ...(config !== undefined ? { config } : {}), extraArgs, ...(recorded ? { node: recorded.node, cli: recorded.script } : {}) });
    process.stdout.write(r.actions.map((a) => `modelscan-guard: ${a}\n`).join(''));
    return EXIT.CLEAN;
  } catch (err) {
    return refused(err);
  }
}

/** An install that stopped on purpose (nothing half-written): its message and exit 2. Anything else is a bug. */
function refused(err: unknown): ExitCode {
  if (!(err instanceof InstallError || err instanceof ServerInstallError)) throw err;
  process.stderr.write(`modelscan-guard install: ${err.message}\n`);
  return EXIT.ERRORS;
}
