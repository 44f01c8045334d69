/**
 * Which blobs a mode must scan: the staged index, the commits a push adds, or a range of history.
 * Every function returns candidates deduplicated by blob id, each with the path (and, where known, the commit)
 * a user recognises. Only regular files are candidates: symlinks (120000) and submodules (160000) hold no content.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Repo } from './repo.js';
import { emptyTree, resolveRev, zeroOid } from './repo.js';
import { gitSync, gitText, splitZ } from './run.js';

export interface Candidate {
  /** Blob id. */
  oid: string;
  /** Repository path of (the first occurrence of) the blob. */
  path: string;
  /**
   * Further paths the same blob was added at (scanned once, as the content is the same): a path filter keeps
   * the blob when any of its paths passes, so a copy under an excluded folder does not hide another copy.
   */
  otherPaths?: string[];
  /** Commit that introduced it, when the mode knows. */
  commit?: string;
}

/** A problem with the request itself (a bad range, missing history): reported, never a clean result. */
export class ChangeSetError extends Error {}

const FILE_MODES = new Set(['100644', '100755']);

interface RawEntry {
  commit?: string;
  status: string;
  newMode: string;
  newOid: string;
  path: string;
}

/** Parses `diff-tree`/`diff-index` raw output with -z and --no-renames (one path per entry), commit lines included. */
export function parseRawZ(out: Buffer): RawEntry[] {
  const tokens = splitZ(out);
  const entries: RawEntry[] = [];
  let commit: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.startsWith(':')) {
      const meta = t.slice(1).split(' ');
      const path = tokens[++i];
      if (meta.length < 5 || path === undefined) throw new Error(`unexpected git raw diff entry ${JSON.stringify(t)}`);
      entries.push({ commit, newMode: meta[1]!, newOid: meta[3]!, status: meta[4]!.slice(0, 1), path });
    } else if (/^[0-9a-f]{40,64}( |$)/.test(t)) {
      commit = t.slice(0, t.indexOf(' ') < 0 ? t.length : t.indexOf(' '));
    } else if (t.trim() !== '') {
      throw new Error(`unexpected git raw diff output ${JSON.stringify(t.slice(0, 80))}`);
    }
  }
  return entries;
}

function addedBlobs(entries: readonly RawEntry[], repo: Repo, keep?: (oid: string) => boolean): Candidate[] {
  const seen = new Map<string, Candidate>();
  const zero = zeroOid(repo);
  for (const e of entries) {
    if (e.status === 'D' || e.newOid === zero || !FILE_MODES.has(e.newMode)) continue;
    if (keep && !keep(e.newOid)) continue;
    const known = seen.get(e.newOid);
    if (known) addPath(known, e.path);
    else seen.set(e.newOid, { oid: e.newOid, path: e.path, ...(e.commit ? { commit: e.commit } : {}) });
  }
  return [...seen.values()];
}

/**
 * Every further path is kept, without a cap: a cap would let one copy more than it hide the blob behind an
 * excluded folder. The paths are the listing's own strings, which are in memory already.
 */
/** Every path the candidate's blob was added at, its first one first. */
export function pathsOf(c: Candidate): string[] {
  return c.otherPaths ? [c.path, ...c.otherPaths] : [c.path];
}

function addPath(c: Candidate, path: string): void {
  if (path === c.path) return;
  (c.otherPaths ??= []).push(path);
}

/**
 * Without `paths`: the index blobs that differ from HEAD (from the empty tree on an unborn branch). The index is
 * the one named by GIT_INDEX_FILE when git set it (partial commits use a temporary index: git-recipes 1.3).
 * With `paths` (names passed by the pre-commit framework, matched literally): the index blobs of those files,
 * changed or not, so that `pre-commit run --all-files` audits every tracked file rather than nothing.
 */
export function stagedCandidates(repo: Repo, paths?: readonly string[]): Candidate[] {
  const env = { GIT_LITERAL_PATHSPECS: '1' };
  if (paths && paths.length > 0) {
    const out = gitSync(['ls-files', '--stage', '-z', '--full-name', '--', ...paths], { cwd: repo.cwd, env }).stdout;
    return indexEntries(splitZ(out));
  }
  const base = resolveRev(repo, 'HEAD') ?? emptyTree(repo);
  const out = gitSync(['diff-index', '--cached', '-r', '-z', '--no-renames', '--no-ext-diff', base], { cwd: repo.cwd, env }).stdout;
  return addedBlobs(parseRawZ(out), repo);
}

/** `ls-files --stage -z` lines, `<mode> SP <oid> SP <stage> TAB <path>`: regular files, one per blob. */
function indexEntries(lines: readonly string[]): Candidate[] {
  const seen = new Map<string, Candidate>();
  for (const line of lines) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const [mode, oid] = line.slice(0, tab).split(' ');
    if (!FILE_MODES.has(mode!)) continue;
    const known = seen.get(oid!);
    if (known) addPath(known, line.slice(tab + 1));
    else seen.set(oid!, { oid: oid!, path: line.slice(tab + 1) });
  }
  return [...seen.values()];
}

/** Commits reachable from `tips` and from none of `exclude`, oldest first. */
function commitsBetween(repo: Repo, tips: readonly string[], exclude: readonly string[]): string[] {
  if (tips.length === 0) return [];
  const out = gitText(['rev-list', '--reverse', '--topo-order', ...tips, '--not', ...exclude, '--'], { cwd: repo.cwd });
  return out === '' ? [] : out.split('\n');
}

/** Blob ids reachable from `tips` and from none of `exclude` (commits filtered out by the caller). */
function objectsBetween(repo: Repo, tips: readonly string[], exclude: readonly string[]): Map<string, string> {
  const out = gitText(['rev-list', '--objects', '--filter=object:type=blob', ...tips, '--not', ...exclude, '--'], { cwd: repo.cwd });
  const objects = new Map<string, string>();
  for (const line of out === '' ? [] : out.split('\n')) {
    const sp = line.indexOf(' ');
    objects.set(sp < 0 ? line : line.slice(0, sp), sp < 0 ? '' : line.slice(sp + 1));
  }
  return objects;
}

/** Every blob each commit adds or changes, against every parent (merges included), in commit order. */
function blobsOfCommits(repo: Repo, commits: readonly string[]): RawEntry[] {
  if (commits.length === 0) return [];
  const out = gitSync(['diff-tree', '--stdin', '-r', '-m', '--root', '-z', '--no-renames', '--no-ext-diff'], { cwd: repo.cwd, input: commits.join('\n') + '\n' }).stdout;
  return parseRawZ(out);
}

export interface PushUpdate {
  localRef: string;
  localOid: string;
  remoteRef: string;
  remoteOid: string;
}

/** Parses git's pre-push stdin: `<local ref> <local oid> <remote ref> <remote oid>` per line. */
export function parsePrePushInput(text: string): PushUpdate[] {
  const updates: PushUpdate[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const parts = line.split(' ');
    if (parts.length !== 4 || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(parts[1]!) || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(parts[3]!)) {
      throw new ChangeSetError(`unexpected pre-push input line ${JSON.stringify(line.slice(0, 200))} (expected "<local ref> <local oid> <remote ref> <remote oid>")`);
    }
    updates.push({ localRef: parts[0]!, localOid: parts[1]!, remoteRef: parts[2]!, remoteOid: parts[3]! });
  }
  return updates;
}

const isZero = (oid: string) => /^0+$/.test(oid);

/**
 * The blobs a push adds: reachable from each pushed local oid and from neither the remote-tracking refs of
 * `remote` nor the remote's current tip (when it exists locally; after someone else's push it may not).
 * Deletions add nothing. Each blob is listed once, with the oldest new commit that added it.
 */
export function pushCandidates(repo: Repo, updates: readonly PushUpdate[], remote: string | undefined): Candidate[] {
  const walks: { tips: string[]; exclude: string[] }[] = [];
  // A remote given as a URL has no remote-tracking refs: the whole history is new to it (the safe answer).
  const tracking = remote !== undefined && /^[A-Za-z0-9._/-]+$/.test(remote) && !remote.includes('..') && updates.some((u) => !isZero(u.localOid)) ? trackingRefsOf(repo, remote) : [];
  for (const u of updates) {
    if (isZero(u.localOid)) continue; // deletion
    const exclude = [...tracking];
    if (!isZero(u.remoteOid)) {
      const known = resolveRev(repo, u.remoteOid);
      if (known !== undefined) exclude.push(known);
    }
    walks.push({ tips: [u.localOid], exclude });
  }
  return newBlobs(repo, walks);
}

/**
 * rev-list arguments for the remote-tracking refs of `remote`, and of no other remote: `--remotes=origin` also
 * takes the refs of a remote named `origin/fork` (refs/remotes/origin/fork/*), whose history nobody pushed to
 * origin.
 */
function trackingRefsOf(repo: Repo, remote: string): string[] {
  const nested = gitText(['remote'], { cwd: repo.cwd })
    .split('\n')
    .filter((r) => r !== remote && r.startsWith(`${remote}/`));
  return [...nested.map((r) => `--exclude=${r}/*`), ...foreignTrackingRefs(repo, remote), `--remotes=${remote}`];
}

/**
 * Fetch refspecs that bring something other than the remote's branches under its tracking namespace, such as
 * GitHub's `+refs/pull/<n>/head:refs/remotes/origin/pr/<n>`: pull requests from forks, which nobody pushed to the
 * remote's branches. Their destinations are excluded from what the remote is trusted to have.
 */
function foreignTrackingRefs(repo: Repo, remote: string): string[] {
  const specs = gitSync(['config', '--get-all', `remote.${remote}.fetch`], { cwd: repo.cwd, okCodes: [1] }).stdout.toString('utf8');
  const out: string[] = [];
  for (const line of specs.split('\n')) {
    const spec = line.trim().replace(/^\+/, '');
    const colon = spec.indexOf(':');
    if (spec.startsWith('^') || colon < 0) continue;
    const [src, dst] = [spec.slice(0, colon), spec.slice(colon + 1)];
    if (!src.startsWith('refs/heads/') && dst.startsWith(`refs/remotes/${remote}/`)) out.push(`--exclude=${dst.slice('refs/remotes/'.length)}`);
  }
  return out;
}

/**
 * The blobs a server receives: reachable from the pushed new oids and from no existing branch or tag. Inside
 * pre-receive the refs are not updated yet, so `--not --branches --tags` is what earlier pushes brought in
 * (git-recipes 3.3). Not `--all`: hosting platforms write refs of their own without running this hook (GitLab's
 * refs/merge-requests/*, refs/keep-around/*, GitHub's refs/pull/*), and history only they reach was never
 * checked. One walk for all refs of the push, so shared history is listed once.
 */
export function receiveCandidates(repo: Repo, updates: readonly { oldOid: string; newOid: string; ref: string }[]): Candidate[] {
  const tips = [...new Set(updates.filter((u) => !isZero(u.newOid)).map((u) => u.newOid))];
  return newBlobs(repo, tips.length > 0 ? [{ tips, exclude: ['--branches', '--tags'] }] : []);
}

/** Each blob once, attributed to the oldest new commit whose diff (against any parent) adds it. */
function newBlobs(repo: Repo, walks: readonly { tips: string[]; exclude: string[] }[]): Candidate[] {
  const commits: string[] = [];
  const seenCommits = new Set<string>();
  const blobs = new Map<string, string>();
  for (const w of walks) {
    for (const c of commitsBetween(repo, w.tips, w.exclude)) {
      if (!seenCommits.has(c)) {
        seenCommits.add(c);
        commits.push(c);
      }
    }
    for (const [oid, path] of objectsBetween(repo, w.tips, w.exclude)) if (!blobs.has(oid)) blobs.set(oid, path);
  }
  for (const c of seenCommits) blobs.delete(c);
  const attributed = addedBlobs(blobsOfCommits(repo, commits), repo, (oid) => blobs.has(oid));
  const listed = new Set(attributed.map((c) => c.oid));
  // Blobs no commit diff names (a tag pointing straight at a blob or a tree): still scanned, under rev-list's name.
  for (const [oid, path] of blobs) if (!listed.has(oid)) attributed.push({ oid, path: path || oid });
  return attributed;
}

/** Parses pre-receive stdin: `<old oid> <new oid> <ref>` per line. */
export function parseReceiveInput(text: string): { oldOid: string; newOid: string; ref: string }[] {
  const out: { oldOid: string; newOid: string; ref: string }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const m = /^([0-9a-f]{40}(?:[0-9a-f]{24})?) ([0-9a-f]{40}(?:[0-9a-f]{24})?) (\S.*)$/.exec(line);
    if (!m) throw new ChangeSetError(`unexpected pre-receive input line ${JSON.stringify(line.slice(0, 200))} (expected "<old oid> <new oid> <ref>")`);
    out.push({ oldOid: m[1]!, newOid: m[2]!, ref: m[3]! });
  }
  return out;
}

export interface RangeSpec {
  from: string;
  to: string;
  /** `A...B`: compare with the merge base (what B added since it forked), not with A itself. */
  threeDot: boolean;
  /** Also every intermediate blob of every commit in the range. */
  history: boolean;
}

export function parseRange(spec: string): { from: string; to: string; threeDot: boolean } {
  const three = spec.indexOf('...');
  if (three > 0 && three + 3 < spec.length) return { from: spec.slice(0, three), to: spec.slice(three + 3), threeDot: true };
  const two = spec.indexOf('..');
  if (two > 0 && two + 2 < spec.length) return { from: spec.slice(0, two), to: spec.slice(two + 2), threeDot: false };
  throw new ChangeSetError(`expected a range A..B or A...B, got ${JSON.stringify(spec)}`);
}

/** Commits at the edge of a shallow clone: their parents are not here, so their diffs would be wrong. */
function shallowBoundary(repo: Repo): Set<string> {
  if (gitText(['rev-parse', '--is-shallow-repository'], { cwd: repo.cwd }) !== 'true') return new Set();
  const file = resolve(repo.cwd, gitText(['rev-parse', '--git-path', 'shallow'], { cwd: repo.cwd }));
  return new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean));
}

/**
 * `diff A..B`: the blobs B's tree has that A's lacks (A...B: compared with their merge base); with `history`,
 * also every blob any commit of the range added on the way (a model added then deleted is still found).
 */
export function rangeCandidates(repo: Repo, range: RangeSpec): Candidate[] {
  const from = resolveRev(repo, range.from);
  const to = resolveRev(repo, range.to);
  const fetchHint = 'fetch it first (e.g. `git fetch origin <branch>`), or check the spelling';
  if (from === undefined) throw new ChangeSetError(`${JSON.stringify(range.from)} is not a commit in this repository: ${fetchHint}`);
  if (to === undefined) throw new ChangeSetError(`${JSON.stringify(range.to)} is not a commit in this repository: ${fetchHint}`);
  const commits = commitsBetween(repo, [to], [from]);
  const label = `${range.from}${range.threeDot ? '...' : '..'}${range.to}`;
  if (commits.length === 0) {
    throw new ChangeSetError(`the range ${label} contains no commits (${range.to} adds nothing that ${range.from} lacks): check the order of the two ends, or fetch the branch you meant to audit`);
  }
  const boundary = shallowBoundary(repo);
  const cut = commits.find((c) => boundary.has(c));
  if (cut !== undefined) {
    throw new ChangeSetError(`the range ${label} reaches past the history of this shallow clone (commit ${cut.slice(0, 12)} has no parents here): fetch more history first, e.g. \`git fetch --unshallow\` or \`git fetch --deepen=<n>\` (in CI: a checkout with fetch-depth: 0)`);
  }
  const base = rangeBaseOf(repo, range, from, to);
  const endpoint = parseRawZ(gitSync(['diff-tree', '-r', '-z', '--no-renames', '--no-ext-diff', base, to], { cwd: repo.cwd }).stdout);
  const entries = range.history ? [...endpoint, ...blobsOfCommits(repo, commits)] : endpoint;
  return addedBlobs(entries, repo);
}

/** The commit a range is compared with: A for A..B, the merge base of A and B for A...B. */
export function rangeBase(repo: Repo, range: { from: string; to: string; threeDot: boolean }): string {
  const from = resolveRev(repo, range.from);
  const to = resolveRev(repo, range.to);
  if (from === undefined || to === undefined) throw new ChangeSetError(`${JSON.stringify(from === undefined ? range.from : range.to)} is not a commit in this repository: fetch it first (e.g. \`git fetch origin <branch>\`), or check the spelling`);
  return rangeBaseOf(repo, range, from, to);
}

function rangeBaseOf(repo: Repo, range: { from: string; to: string; threeDot: boolean }, from: string, to: string): string {
  if (!range.threeDot) return from;
  const mb = gitSync(['merge-base', from, to], { cwd: repo.cwd, okCodes: [1] });
  if (mb.code !== 0) throw new ChangeSetError(`${range.from} and ${range.to} have no common ancestor here: fetch more history, or use ${range.from}..${range.to}`);
  return mb.stdout.toString('utf8').trim();
}

/** The oldest commit of `range` (reachable from `to`, not from `from`) that added blob `oid`: for summaries. */
export function introducingCommit(repo: Repo, oid: string, from: string, to: string): string | undefined {
  const out = gitText(['log', '--format=%H', '-m', '--reverse', `--find-object=${oid}`, to, '--not', from, '--'], { cwd: repo.cwd, okCodes: [128] });
  return out.split('\n').find((l) => /^[0-9a-f]{40,64}$/.test(l));
}


/**
 * Every regular file of `rev`'s tree (`scan --repo`: a whole repository at one commit), each blob once, with
 * `rev`'s commit as the commit. Symlinks and submodules hold no content and are left out, as everywhere else.
 */
export function treeCandidates(repo: Repo, rev: string): Candidate[] {
  const commit = resolveRev(repo, rev);
  if (commit === undefined) throw new ChangeSetError(`${JSON.stringify(rev)} is not a commit in this repository`);
  const out = gitSync(['ls-tree', '-r', '-z', '--full-tree', commit], { cwd: repo.cwd }).stdout;
  const seen = new Map<string, Candidate>();
  for (const entry of splitZ(out)) {
    // `<mode> SP <type> SP <oid> TAB <path>`
    const tab = entry.indexOf('\t');
    const [mode, type, oid] = entry.slice(0, tab).split(' ');
    if (type !== 'blob' || !FILE_MODES.has(mode!) || seen.has(oid!)) continue;
    seen.set(oid!, { oid: oid!, path: entry.slice(tab + 1), commit });
  }
  return [...seen.values()];
}
