/** `modelscan-guard diff A..B`: an audit of what a range of history adds (CI, branch review). */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { renderEffective } from '../config/effective.js';
import { EXIT, type ExitCode } from '../engine/verdict.js';
import { guardRunReport } from '../report/from-guard.js';
import { isReportFormat, renderReport, REPORT_FORMATS } from '../report/render.js';
import { renderSummary } from '../report/summary.js';
import { configAtCommit, type CommittedConfig } from '../config/at-commit.js';
import { ConfigError } from '../config/schema.js';
import { ChangeSetError, introducingCommit, parseRange, rangeBase, rangeCandidates } from '../sources/git/changes.js';
import { resolveRev } from '../sources/git/repo.js';
import { GUARD_OPTIONS, guard, guardExit, openRepoHere, setUp } from './guard-common.js';
import { printSettingsNotes } from './config-layers.js';
import { UsageError } from './usage.js';

export const DIFF_HELP = `Usage: modelscan-guard diff A..B | A...B [--history] [--format FORMAT] [--output FILE]
                           [--fail-on SEVERITY] [--config FILE] [--settings-file FILE] [--print-config] [--no-cache]

Audits what a range of history adds. A..B scans the files whose content in B differs from A (the two end
trees, like git diff A B); A...B compares B with its merge base with A (what the branch added since it
forked, like a pull request). --history also scans every intermediate version of every commit in the range
(git log A..B), so a model added and later deleted is still found. A range with no commits, or one that
reaches past a shallow clone's history, is an error: fetch more history (fetch-depth: 0 in CI).
The config and the allow list are those committed at the range's base (A, or the merge base for A...B), not
the working tree's: the commits under review cannot change the policy they are judged by (nor run a JS
config). --config FILE uses that trusted file instead.
Formats: ${REPORT_FORMATS.join(', ')} (console: the summary; sarif for GitHub code scanning, junit for CI test
panels, markdown for pull-request comments and job summaries).
Exit codes: 0 clean; 1 findings; 2 could not analyse something (or a bad range); 4 usage.
`;

const DIFF_OPTIONS = {
  ...GUARD_OPTIONS,
  history: { type: 'boolean', default: false },
  format: { type: 'string', default: 'console' },
  output: { type: 'string' },
  'settings-file': { type: 'string' },
  'print-config': { type: 'boolean', default: false },
  'fail-on': { type: 'string' },
} as const;

function parseDiffArgs(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, strict: true, options: DIFF_OPTIONS });
}
type DiffValues = ReturnType<typeof parseDiffArgs>['values'];

export async function runDiff(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseDiffArgs(argv);
  if (values.help) {
    process.stdout.write(DIFF_HELP);
    return EXIT.CLEAN;
  }
  if (positionals.length !== 1) throw new UsageError('diff needs exactly one range, e.g. main..HEAD');
  // The policy a range is judged by is its base's (the config and allow list committed there), never the
  // working tree's: in CI that is the pull request under review, which could exclude or allow its own files,
  // or run code from a JavaScript config. --config names a trusted file instead.
  let committed: CommittedConfig | undefined;
  try {
    const spec = parseRange(positionals[0]!);
    if (values.config === undefined) {
      const repo = openRepoHere();
      committed = configAtCommit(repo, rangeBase(repo, spec));
    }
  } catch (err) {
    if (err instanceof ChangeSetError) {
      process.stderr.write(`modelscan-guard: ${err.message}\n`);
      return EXIT.ERRORS;
    }
    if (err instanceof ConfigError) throw new UsageError(`invalid config: ${err.message}`);
    throw err;
  }
  try {
    return await diffWith(values, positionals[0]!, committed);
  } finally {
    committed?.dispose();
  }
}

async function diffWith(values: DiffValues, spec: string, committed: CommittedConfig | undefined): Promise<ExitCode> {
  const format = values.format;
  if (!isReportFormat(format)) throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, not ${JSON.stringify(format)}`);
  const setup = await setUp({ config: values.config, settingsFile: values['settings-file'], failOn: values['fail-on'] }, committed?.dir);
  if (committed) for (const v of setup.values) v.sources = v.sources.map((src) => committed.label(src));
  if (values['print-config']) {
    process.stdout.write(renderEffective(setup.values));
    printSettingsNotes(setup.settings);
    return EXIT.CLEAN;
  }
  printSettingsNotes(setup.settings);
  let candidates;
  let range;
  try {
    range = { ...parseRange(spec), history: values.history };
    candidates = rangeCandidates(setup.repo, range);
  } catch (err) {
    if (err instanceof ChangeSetError) {
      process.stderr.write(`modelscan-guard: ${err.message}\n`);
      return EXIT.ERRORS;
    }
    throw err;
  }
  const startedAt = new Date();
  const report = await guard(setup, candidates, values['no-cache']);
  // Name the commit that brought each blocked file in: the endpoint diff does not know it.
  const from = resolveRev(setup.repo, range.from)!;
  const to = resolveRev(setup.repo, range.to)!;
  for (const r of report.results) {
    if ((r.blocks || r.allowed) && !r.candidate.commit) {
      const c = introducingCommit(setup.repo, r.candidate.oid, from, to);
      if (c) r.candidate.commit = c;
    }
  }
  const text =
    format === 'console'
      ? renderSummary(report, { mode: 'diff', verbose: true, maxLines: Number.MAX_SAFE_INTEGER })
      : renderReport(format, guardRunReport(report, { root: setup.repo.cwd, inputs: [setup.repo.cwd], startedAt }), { showSkipped: false, color: false });
  if (values.output !== undefined) writeFileSync(values.output, text);
  else process.stdout.write(text);
  return guardExit(report);
}
