/** `modelscan-guard scan PATH…` (or `--repo URL`): argument parsing, report output, exit code. */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { scanPaths } from '../api.js';
import { renderEffective } from '../config/effective.js';
import { effectiveLimits } from '../config/schema.js';
import { EXIT, exitCode, type ExitCode } from '../engine/verdict.js';
import type { RunReport } from '../report/model.js';
import { isReportFormat, renderReport, REPORT_FORMATS } from '../report/render.js';
import { topLevelOrCwd } from '../sources/git/repo.js';
import { printSettingsNotes, resolveConfig } from './config-layers.js';
import { Progress, progressWanted } from './progress.js';
import { UsageError } from './usage.js';

export const SCAN_HELP = `Usage: modelscan-guard scan PATH... [options]
       modelscan-guard scan --repo URL|hf://ORG/NAME [--ref REF] [options]

Scans model files statically (nothing is loaded or executed). Directories are walked.
The format is decided from the bytes: a pickle renamed .txt is still scanned as a pickle.

Options:
  --format FORMAT         report format: ${REPORT_FORMATS.join(', ')} (default: console)
  --output FILE           write the report to FILE instead of standard output
  --show-skipped          list the files that were not scanned, and why
  --fail-on SEVERITY      lowest severity that fails the run: LOW (default), MEDIUM, HIGH, CRITICAL
  --config FILE           JSON config file (default: discovered in the repository root; see README)
  --settings-file FILE    a Protect AI modelscan settings file (TOML): its unsafe_globals become deny entries
  --print-config          print the effective configuration and where each value came from, then exit
  --repo URL              audit a remote git repository (hf://ORG/NAME for the Hugging Face Hub): cloned
                          without LFS content, then only the LFS objects of model files fetched and verified
  --ref REF               with --repo: the branch, tag or commit to scan (default: the remote's HEAD)
  -q, --quiet             no progress line; on the console, nothing at all when the run is clean
  -v, --verbose           also list skipped files, the config in use and the time taken
  -h, --help              show this help

Exit codes: 0 scanned and clean; 1 findings at or above --fail-on; 2 a file could not be fully
analysed (and no blocking finding); 3 nothing supported was found; 4 usage error.
`;

export async function runScan(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string' },
      output: { type: 'string' },
      'show-skipped': { type: 'boolean', default: false },
      'fail-on': { type: 'string' },
      config: { type: 'string' },
      'settings-file': { type: 'string' },
      'print-config': { type: 'boolean', default: false },
      repo: { type: 'string' },
      ref: { type: 'string' },
      quiet: { type: 'boolean', short: 'q', default: false },
      verbose: { type: 'boolean', short: 'v', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(SCAN_HELP);
    return EXIT.CLEAN;
  }
  if (values.quiet && values.verbose) throw new UsageError('--quiet and --verbose cannot be used together');
  if (values.format !== undefined && !isReportFormat(values.format)) throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, not ${JSON.stringify(values.format)}`);
  const resolved = await resolveConfig(topLevelOrCwd(process.cwd()), { config: values.config, settingsFile: values['settings-file'], failOn: values['fail-on'] });
  if (values['print-config']) {
    process.stdout.write(renderEffective(resolved.values));
    printSettingsNotes(resolved.settings);
    return EXIT.CLEAN;
  }
  const format = values.format ?? resolved.settings?.format ?? 'console';
  if (!isReportFormat(format)) throw new UsageError(`unknown report format ${JSON.stringify(format)}`);
  const output = values.output ?? resolved.settings?.output;
  if (!values.quiet) printSettingsNotes(resolved.settings);
  if (values.verbose) process.stderr.write(`modelscan-guard: config: ${resolved.source ?? 'defaults (no config file found)'}\n`);
  const config = resolved.config;
  const failOn = config.failOn ?? 'LOW';

  let report: RunReport;
  let code: ExitCode;
  if (values.repo !== undefined) {
    if (positionals.length > 0) throw new UsageError('scan --repo takes no PATH: it scans the whole repository');
    // Cloning, the guard and LFS fetching are loaded only for --repo.
    const { scanRemote, RemoteError } = await import('./scan-remote.js');
    const { ChangeSetError } = await import('../sources/git/changes.js');
    try {
      ({ report, code } = await scanRemote(values.repo, values.ref, resolved));
    } catch (err) {
      if (err instanceof RemoteError || err instanceof ChangeSetError) {
        process.stderr.write(`modelscan-guard: ${err.message}\n`);
        return EXIT.ERRORS;
      }
      throw err;
    }
  } else {
    if (values.ref !== undefined) throw new UsageError('--ref needs --repo');
    if (positionals.length === 0) throw new UsageError('scan needs at least one PATH (or --repo URL)');
    const progress = progressWanted(process.stderr, values.quiet) ? new Progress(process.stderr) : undefined;
    try {
      report = await scanPaths(positionals, { failOn, pickle: config.pickle ?? {}, limits: effectiveLimits(config.limits), ...(progress ? { onProgress: (n, b, next) => progress.update(n, b, next) } : {}) });
    } finally {
      progress?.done();
    }
    code = exitCode(report.tally);
  }
  if (values.verbose) {
    const t = report.tally;
    process.stderr.write(`modelscan-guard: ${t.scanned} scanned, ${t.skipped} not scanned, ${t.errored} not fully analysed in ${((Date.now() - report.startedAt.getTime()) / 1000).toFixed(2)} s\n`);
  }
  const toFile = output !== undefined;
  // --quiet on the console: silence when all is well, the exit code says it.
  if (values.quiet && format === 'console' && code === EXIT.CLEAN) return code;
  const text = renderReport(format, report, { showSkipped: values['show-skipped'] || values.verbose, color: !toFile && process.stdout.isTTY === true && !process.env.NO_COLOR });
  if (toFile) writeFileSync(output, text);
  else process.stdout.write(text);
  return code;
}
