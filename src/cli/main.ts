/**
 * The command line: picks the command, maps errors to exit codes. The only place that calls process.exit.
 */
import { EXIT, type ExitCode } from '../engine/verdict.js';
import { version } from '../version.js';
import { UsageError } from './usage.js';

const helpText = (SCAN_HELP: string): string => `modelscan-guard ${'<version>'} — keeps malicious model files out of Git repositories

Usage:
  modelscan-guard scan PATH... [--format console|json|sarif|junit|markdown] [--output FILE] [--fail-on SEVERITY]
  modelscan-guard scan --repo URL|hf://ORG/NAME [--ref REF]   audit a remote repository (LFS content fetched only for files scanned)
  modelscan-guard staged [PATH...]              pre-commit: the staged content (index), LFS resolved
  modelscan-guard pre-push [REMOTE [URL]]       pre-push: every blob the pushed commits add (stdin from git)
  modelscan-guard diff A..B|A...B [--history]   audit what a range of history adds
  modelscan-guard pre-receive [--config FILE]   server side: every blob a push adds (bare repository hook)
  modelscan-guard allow PATH|SHA256 --reason R  allow one exact file on purpose (by content sha256)
  modelscan-guard install [--pre-commit] [--pre-push] [--husky] [--uninstall]   install the git hooks
  modelscan-guard explain RULE                  what a rule means and how to fix it (--list: every rule)
  modelscan-guard init [--force]                write a commented config with the defaults
  modelscan-guard config                        the effective config and where each value came from
  modelscan-guard COMMAND --help                details of a command
  modelscan-guard --version | --help

${SCAN_HELP.split('\n').filter((l) => !/^\s*(Usage: )?modelscan-guard scan/.test(l)).join('\n')}`;

async function main(argv: string[]): Promise<ExitCode> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'scan':
      return (await import('./scan.js')).runScan(rest);
    case 'staged':
      return (await import('./staged.js')).runStaged(rest);
    case 'pre-push':
      return (await import('./pre-push.js')).runPrePush(rest);
    case 'diff':
      return (await import('./diff.js')).runDiff(rest);
    case 'pre-receive':
      return (await import('./pre-receive.js')).runPreReceive(rest);
    case 'allow':
      return (await import('./allow.js')).runAllow(rest);
    case 'install':
      return (await import('./install.js')).runInstall(rest);
    case 'explain':
      return (await import('./explain.js')).runExplain(rest);
    case 'init':
      return (await import('./init.js')).runInit(rest);
    case 'config':
      return (await import('./config.js')).runConfig(rest);
    case '--version':
    case '-V':
      process.stdout.write(`${version()}\n`);
      return EXIT.CLEAN;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      // Commands are imported when run, so that a hook with nothing to do loads only what it uses.
      process.stdout.write(helpText((await import('./scan.js')).SCAN_HELP).replace('<version>', version()));
      return command === undefined ? EXIT.USAGE : EXIT.CLEAN;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const usage = err instanceof UsageError || (err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'));
    if (usage) {
      process.stderr.write(`modelscan-guard: ${(err as Error).message}\nRun 'modelscan-guard --help' for usage.\n`);
      process.exitCode = EXIT.USAGE;
    } else {
      process.stderr.write(`modelscan-guard: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = EXIT.ERRORS;
    }
  },
);
