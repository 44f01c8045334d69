/**
 * `modelscan-guard pre-receive`: the server-side check of a push, run by git in the bare repository with the
 * pushed objects in quarantine. Policy comes only from the server (--config, or `<git dir>/modelscan-guard.json`),
 * never from the pushed tree: a pusher must not be able to approve their own exception.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../config/load.js';
import { ConfigError, type Config } from '../config/schema.js';
import { EXIT, type ExitCode } from '../engine/verdict.js';
import { runGuard, type Budget, type GuardReport } from '../guard/run.js';
import { renderSummary } from '../report/summary.js';
import { applyOverride, decideOverride, pusherName } from '../server/overrides.js';
import { parseOverrideRequest, readPushOptions } from '../server/push-options.js';
import { ChangeSetError, parseReceiveInput, receiveCandidates } from '../sources/git/changes.js';
import { batchApiStore } from '../sources/lfs/batch-api.js';
import { directoryStore, STORE_LAYOUTS, type LfsStore, type StoreLayout } from '../sources/lfs/store.js';
import { guardExit, openRepoHere, readStdin } from './guard-common.js';
import { UsageError } from './usage.js';

export const SERVER_CONFIG_FILE = 'modelscan-guard.json';

export const PRE_RECEIVE_HELP = `Usage: modelscan-guard pre-receive [--config FILE] [--lfs-store DIR] [--lfs-layout git-lfs|gitlab]
                                  [--lfs-url URL] [--audit-log FILE] [--time-budget SECONDS] [--size-budget BYTES]
                                  [--on-exceed block|allow] [--cache-only] [--gitlab] [--no-cache]

Server-side check, run as (or from) the pre-receive hook of a bare repository: reads "<old> <new> <ref>" lines
and scans every blob new to the repository (reachable from the new oids and from no existing ref), inside
git's quarantine. LFS pointers are resolved in the repository's lfs/objects, or in --lfs-store (GitLab's
shared/lfs-objects and Gitea's data/lfs use --lfs-layout gitlab). The policy is read only from the server:
--config FILE, or ${SERVER_CONFIG_FILE} in the repository's git dir; never from the pushed content.
--lfs-url URL fetches objects missing there from a Git LFS Batch API (sha256 and size verified; an
Authorization header can be given in MODELSCAN_GUARD_LFS_AUTHORIZATION).
Budgets: when the time or size budget of a push runs out, what is left is reported and blocks, unless
--on-exceed allow. --cache-only checks LFS pointers and cached verdicts only (GitHub Enterprise Server's
5-second hooks). --gitlab (automatic when GL_ID is set) prefixes messages with GL-HOOK-ERR: for GitLab's UI.
`;


function positiveNumber(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, not ${JSON.stringify(v)}`);
  return n;
}

export async function runPreReceive(argv: string[]): Promise<ExitCode> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      config: { type: 'string' },
      'lfs-store': { type: 'string' },
      'lfs-layout': { type: 'string' },
      'lfs-url': { type: 'string' },
      'audit-log': { type: 'string' },
      'time-budget': { type: 'string' },
      'size-budget': { type: 'string' },
      'on-exceed': { type: 'string' },
      'cache-only': { type: 'boolean', default: false },
      gitlab: { type: 'boolean', default: false },
      'no-cache': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(PRE_RECEIVE_HELP);
    return EXIT.CLEAN;
  }
  const repo = openRepoHere();
  let config: Config = {};
  const configFile = values.config ?? (existsSync(join(repo.commonDir, SERVER_CONFIG_FILE)) ? join(repo.commonDir, SERVER_CONFIG_FILE) : undefined);
  if (configFile !== undefined) {
    try {
      config = loadConfigFile(configFile);
    } catch (err) {
      // A broken server policy must not open the gate: the push is refused with the reason.
      if (err instanceof ConfigError) {
        process.stderr.write(`modelscan-guard: push refused: the server's policy is invalid (${err.message}); tell the administrators\n`);
        return EXIT.ERRORS;
      }
      throw err;
    }
  }
  const server = config.server ?? {};
  const layoutText = values['lfs-layout'] ?? server.lfsStore?.layout ?? 'git-lfs';
  if (!(STORE_LAYOUTS as readonly string[]).includes(layoutText)) throw new UsageError(`--lfs-layout must be one of ${STORE_LAYOUTS.join(', ')}, not ${JSON.stringify(layoutText)}`);
  const storeDir = values['lfs-store'] ?? server.lfsStore?.dir ?? repo.lfsObjects;
  const onExceed = values['on-exceed'] ?? server.budget?.onExceed ?? 'block';
  if (onExceed !== 'block' && onExceed !== 'allow') throw new UsageError(`--on-exceed must be block or allow, not ${JSON.stringify(onExceed)}`);
  const timeSeconds = positiveNumber(values['time-budget'], '--time-budget') ?? server.budget?.timeSeconds;
  const sizeBytes = positiveNumber(values['size-budget'], '--size-budget') ?? server.budget?.bytes;
  const budget: Budget = { onExceed, ...(timeSeconds !== undefined ? { timeMs: timeSeconds * 1000 } : {}), ...(sizeBytes !== undefined ? { bytes: sizeBytes } : {}), ...(values['cache-only'] || server.budget?.cacheOnly ? { cacheOnly: true } : {}) };
  const gitlab = values.gitlab || process.env.GL_ID !== undefined;
  const auditLog = values['audit-log'] ?? server.auditLog;

  let updates;
  try {
    updates = parseReceiveInput(await readStdin());
  } catch (err) {
    if (err instanceof ChangeSetError) {
      process.stderr.write(`modelscan-guard: push refused: ${err.message}\n`);
      return EXIT.ERRORS;
    }
    throw err;
  }
  const candidates = receiveCandidates(repo, updates);
  if (candidates.length === 0) return EXIT.CLEAN;
  // The server's own allow list is the config's `allow`; the committed allow file of the pushed tree is never read.
  let store: LfsStore = directoryStore(resolve(storeDir), layoutText as StoreLayout);
  let downloads: string | undefined;
  if (values['lfs-url'] !== undefined) {
    if (!/^https?:\/\//.test(values['lfs-url'])) throw new UsageError(`--lfs-url must be an http(s) URL, not ${JSON.stringify(values['lfs-url'])}`);
    downloads = mkdtempSync(join(tmpdir(), 'modelscan-guard-lfs-'));
    const auth = process.env.MODELSCAN_GUARD_LFS_AUTHORIZATION;
    store = batchApiStore({ url: values['lfs-url'], dir: downloads, ...(auth ? { headers: { Authorization: auth } } : {}) }, store);
    // Objects not in the store are what the LFS server is there for.
    if (config.lfs?.missing !== 'warn') config = { ...config, lfs: { ...config.lfs, missing: 'fetch' } };
  }
  let report: GuardReport;
  try {
    report = await runGuard(candidates, { repo, config, allow: [], cache: !values['no-cache'], lfsStore: store, budget });
  } finally {
    if (downloads !== undefined) rmSync(downloads, { recursive: true, force: true });
  }

  const messages: string[] = [];
  const request = parseOverrideRequest(readPushOptions(process.env));
  if (request !== undefined) {
    const decision = decideOverride(request, server, pusherName(process.env, server));
    if (!decision.granted) messages.push(`modelscan-guard: override not granted: ${decision.why}`);
    else messages.push(...applyOverride(report, decision, { repository: repo.commonDir, refs: updates.map((u) => ({ ref: u.ref, old: u.oldOid, new: u.newOid })), auditLog }));
  }
  const prefix = gitlab ? 'GL-HOOK-ERR: ' : '';
  const summary = renderSummary(report, { mode: 'pre-receive', overridesEnabled: server.overrides?.enabled === true, ...(report.blocked ? { linePrefix: prefix } : {}) });
  const text = [...messages.map((m) => (report.blocked ? prefix : '') + m), ...(summary ? [summary.trimEnd()] : [])].join('\n');
  if (text !== '') process.stderr.write(`${text}\n`);
  return guardExit(report);
}
