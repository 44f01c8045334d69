/** `modelscan-guard scan PATH…`: argument parsing, report output, exit code. */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { scanPaths } from '../api.js';
import { EXIT, exitCode, type ExitCode } from '../engine/verdict.js';
import { renderConsole } from '../report/console.js';
import { renderJson } from '../report/json.js';
import { SEVERITIES, type Severity } from '../types.js';
import { UsageError } from './usage.js';
import { loadConfig } from '../config/discover.js';
import { NotARepositoryError, openRepo } from '../sources/git/repo.js';
import { ConfigError, effectiveLimits, type Config } from '../config/schema.js';

export const SCAN_HELP = `Usage: modelscan-guard scan PATH... [options]

Scans model files statically (nothing is loaded or executed). Directories are walked.
The format is decided from the bytes: a pickle renamed .txt is still scanned as a pickle.

Options:
  --format console|json   report format (default: console)
  --output FILE           write the report to FILE instead of standard output
  --show-skipped          list the files that were not scanned, and why
  --fail-on SEVERITY      lowest severity that fails the run: LOW (default), MEDIUM, HIGH, CRITICAL
  --config FILE           JSON config file (default: discovered in the repository root; see README)
  -h, --help              show this help

Exit codes: 0 scanned and clean; 1 findings at or above --fail-on; 2 a file could not be fully
analysed (and no blocking finding); 3 nothing supported was found; 4 usage error.
`;

/** Without --config, the config is discovered in the repository root (or the current folder outside a repository). */
function configRoot(): string {
  try {
    const repo = openRepo(process.cwd());
    return repo.top ?? process.cwd();
  } catch (err) {
    if (err instanceof NotARepositoryError) return process.cwd();
    throw err;
  }
}

export async function runScan(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string', default: 'console' },
      output: { type: 'string' },
      'show-skipped': { type: 'boolean', default: false },
      'fail-on': { type: 'string' },
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(SCAN_HELP);
    return EXIT.CLEAN;
  }
  const format = values.format;
  if (format !== 'console' && format !== 'json') throw new UsageError(`--format must be console or json, not ${JSON.stringify(format)}`);
  let config: Config = {};
  try {
    config = (await loadConfig(configRoot(), values.config)).config;
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`invalid config: ${err.message}`);
    throw err;
  }
  let failOn: Severity = config.failOn ?? 'LOW';
  if (values['fail-on'] !== undefined) {
    const f = values['fail-on'].toUpperCase();
    if (!(SEVERITIES as readonly string[]).includes(f)) {
      throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}, not ${JSON.stringify(values['fail-on'])}`);
    }
    failOn = f as Severity;
  }
  if (positionals.length === 0) throw new UsageError('scan needs at least one PATH');

  const report = await scanPaths(positionals, { failOn, pickle: config.pickle ?? {}, limits: effectiveLimits(config.limits) });
  const toFile = values.output !== undefined;
  const text =
    format === 'json'
      ? renderJson(report)
      : renderConsole(report, { showSkipped: values['show-skipped'], color: !toFile && process.stdout.isTTY === true && !process.env.NO_COLOR });
  if (toFile) writeFileSync(values.output!, text);
  else process.stdout.write(text);
  return exitCode(report.tally);
}
