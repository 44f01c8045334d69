/** `modelscan-guard pre-push [REMOTE [URL]]`: the pre-push check of every blob the pushed commits add. */
import { parseArgs } from 'node:util';
import { EXIT, type ExitCode } from '../engine/verdict.js';
import { ChangeSetError, parsePrePushInput, pushCandidates, type PushUpdate } from '../sources/git/changes.js';
import { resolveRev, zeroOid, type Repo } from '../sources/git/repo.js';
import { GUARD_OPTIONS, guard, guardExit, printSummary, readStdin, setUp } from './guard-common.js';
import { UsageError } from './usage.js';

export const PRE_PUSH_HELP = `Usage: modelscan-guard pre-push [REMOTE [URL]] [--config FILE] [--no-cache] [-v]

Pre-push check: reads git's pre-push input (one "<local ref> <local oid> <remote ref> <remote oid>" line per
ref) and scans every blob reachable from the pushed commits and not from REMOTE's tracking refs: new
branches, tags, updates, force pushes and merges; deletions add nothing. Under the pre-commit framework
(empty input) PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF say what is pushed. Exit 0 lets the push through.
`;


/** What the pre-commit framework tells a push-stage hook through its environment (git-recipes 6.4). */
function frameworkUpdates(repo: Repo, env: NodeJS.ProcessEnv): PushUpdate[] {
  const to = env.PRE_COMMIT_TO_REF ?? env.PRE_COMMIT_SOURCE;
  const from = env.PRE_COMMIT_FROM_REF ?? env.PRE_COMMIT_ORIGIN;
  const localRef = env.PRE_COMMIT_LOCAL_BRANCH ?? 'HEAD';
  const remoteRef = env.PRE_COMMIT_REMOTE_BRANCH ?? localRef;
  // All-files mode (first push of a root commit) sets no refs: the branch being pushed is everything.
  const localOid = to ?? resolveRev(repo, localRef);
  if (localOid === undefined) throw new ChangeSetError(`cannot tell what is being pushed: ${localRef} does not resolve to a commit`);
  return [{ localRef, localOid, remoteRef, remoteOid: from ?? zeroOid(repo) }];
}

export async function runPrePush(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: GUARD_OPTIONS });
  if (values.help) {
    process.stdout.write(PRE_PUSH_HELP);
    return EXIT.CLEAN;
  }
  const framework = process.env.PRE_COMMIT === '1';
  // At the framework's commit stage the staged hook does this job.
  if (framework && process.env.PRE_COMMIT_REMOTE_NAME === undefined) return EXIT.CLEAN;
  const setup = await setUp(values.config);
  const input = await readStdin();
  let updates: PushUpdate[];
  let remote: string | undefined;
  try {
    updates = parsePrePushInput(input);
    remote = positionals[0];
    if (updates.length === 0 && framework) {
      updates = frameworkUpdates(setup.repo, process.env);
      remote = process.env.PRE_COMMIT_REMOTE_NAME;
    }
  } catch (err) {
    if (err instanceof ChangeSetError) throw new UsageError(err.message);
    throw err;
  }
  if (updates.length === 0) return EXIT.CLEAN; // "Everything up-to-date": git still runs the hook
  const report = await guard(setup, pushCandidates(setup.repo, updates, remote), values['no-cache']);
  printSummary(report, { mode: 'pre-push', verbose: values.verbose });
  return guardExit(report);
}
