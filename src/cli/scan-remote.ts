/** `scan --repo URL|hf://ORG/NAME`: a remote repository audited through a private clone (see src/sources/remote.ts). */
import { EXIT, type ExitCode } from '../engine/verdict.js';
import { runGuard } from '../guard/run.js';
import { guardRunReport } from '../report/from-guard.js';
import type { RunReport } from '../report/model.js';
import { treeCandidates } from '../sources/git/changes.js';
import { openRepo } from '../sources/git/repo.js';
import { cloneForScan, RemoteError, remoteUrl } from '../sources/remote.js';
import type { ResolvedConfig } from './config-layers.js';
import { UsageError } from './usage.js';

export { RemoteError };

/** `--repo`: clone (no LFS content), take every file of the commit as a candidate, fetch and verify only LFS objects of those. */
export async function scanRemote(spec: string, ref: string | undefined, resolved: ResolvedConfig): Promise<{ report: RunReport; code: ExitCode }> {
  let url: string;
  try {
    url = remoteUrl(spec);
  } catch (err) {
    if (err instanceof RemoteError) throw new UsageError(err.message);
    throw err;
  }
  const startedAt = new Date();
  const clone = await cloneForScan(url, ref);
  try {
    const repo = openRepo(clone.dir);
    const candidates = treeCandidates(repo, clone.rev);
    // The remote's own config and allow list are never read: an audited repository does not get to approve itself.
    const config = { ...resolved.config, lfs: { ...resolved.config.lfs, missing: 'fetch' as const, verify: true } };
    const guard = await runGuard(candidates, { repo, config, allow: [], cache: false });
    const report = guardRunReport(guard, { root: url, inputs: [spec], startedAt });
    let code: ExitCode;
    if (guard.blocked) code = guard.results.some((r) => r.blocks && r.findings.length > 0) ? EXIT.FINDINGS : EXIT.ERRORS;
    else code = report.tally.scanned === 0 ? EXIT.NOTHING_SCANNED : EXIT.CLEAN;
    return { report, code };
  } finally {
    clone.remove();
  }
}
