/**
 * What the git modes share on the command line: open the repository, read its config and allow list, run the
 * guard over the mode's candidates, print the summary, pick the exit code.
 */
import { resolve } from 'node:path';
import { readAllowFile } from '../config/allow-file.js';
import type { EffectiveValue } from '../config/effective.js';
import type { ModelscanSettings } from '../config/modelscan-settings.js';
import { ConfigError, type Config } from '../config/schema.js';
import { runGuard, type GuardReport } from '../guard/run.js';
import { EXIT, type ExitCode } from '../engine/verdict.js';
import { renderSummary, type SummaryOptions } from '../report/summary.js';
import type { Candidate } from '../sources/git/changes.js';
import { NotARepositoryError, openRepo, type Repo } from '../sources/git/repo.js';
import { resolveConfig, type ConfigFlags } from './config-layers.js';
import { UsageError } from './usage.js';

export const GUARD_OPTIONS = {
  config: { type: 'string' },
  'no-cache': { type: 'boolean', default: false },
  verbose: { type: 'boolean', short: 'v', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export interface GuardSetup {
  repo: Repo;
  config: Config;
  configSource?: string;
  /** Each effective value and where it came from (--print-config). */
  values: EffectiveValue[];
  /** A modelscan settings file's mapping, when --settings-file was given. */
  settings?: ModelscanSettings;
  /** Where the allow list is read when not at the repository root (diff: the base commit's copy). */
  allowRoot?: string;
}

/** The repository around the current folder; outside one, a usage error that says so. */
export function openRepoHere(): Repo {
  try {
    return openRepo(process.cwd());
  } catch (err) {
    if (err instanceof NotARepositoryError) throw new UsageError(err.message);
    throw err;
  }
}

/** Hooks get their input on stdin (git's ref lines); a terminal means no input. */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `configPath` (--config) or, for the commands that take them, more layers: --settings-file, --fail-on. */
export async function setUp(configPath: string | undefined | ConfigFlags, configRoot?: string): Promise<GuardSetup> {
  const flags: ConfigFlags = typeof configPath === 'object' ? configPath : { config: configPath };
  const repo = openRepoHere();
  let found;
  if (configRoot === undefined) found = await resolveConfig(repo.top ?? repo.cwd, flags);
  else {
    // Discovery in a copy (configAtCommit), with the working folder moved there meanwhile: cosmiconfig reads
    // its own meta config from the working folder, which is the tree under review.
    const cwd = process.cwd();
    const settingsFile = flags.settingsFile !== undefined ? resolve(flags.settingsFile) : undefined;
    process.chdir(configRoot);
    try {
      found = await resolveConfig(configRoot, { ...flags, ...(settingsFile !== undefined ? { settingsFile } : {}) });
    } finally {
      process.chdir(cwd);
    }
  }
  return {
    repo,
    config: found.config,
    values: found.values,
    ...(found.source ? { configSource: found.source } : {}),
    ...(found.settings ? { settings: found.settings } : {}),
    ...(configRoot !== undefined ? { allowRoot: configRoot } : {}),
  };
}

export async function guard(setup: GuardSetup, candidates: readonly Candidate[], noCache: boolean): Promise<GuardReport> {
  let allow;
  try {
    const root = setup.allowRoot ?? setup.repo.top;
    allow = root ? readAllowFile(root) : [];
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`invalid allow list: ${err.message}`);
    throw err;
  }
  return runGuard(candidates, { repo: setup.repo, config: setup.config, allow, cache: !noCache });
}

/** Blocking findings → 1; blocking only because something could not be analysed → 2; otherwise 0. */
export function guardExit(report: GuardReport): ExitCode {
  if (!report.blocked) return EXIT.CLEAN;
  const failOnFinding = report.results.some((r) => r.blocks && r.findings.length > 0);
  return failOnFinding ? EXIT.FINDINGS : EXIT.ERRORS;
}

export function printSummary(report: GuardReport, opts: SummaryOptions, stream: NodeJS.WriteStream = process.stderr): void {
  const text = renderSummary(report, opts);
  if (text !== '') stream.write(text);
}
