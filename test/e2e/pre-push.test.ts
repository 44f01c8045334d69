/**
 * `modelscan-guard pre-push` as git runs it: a real pre-push hook (the guard first, then `git lfs pre-push` with
 * the same stdin: git-recipes 4.1), real pushes into bare repositories, each shape of pre-push input.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asm, callPickle, op } from '../helpers/pickle-asm.js';
import { BIN, GitSandbox } from '../helpers/git-sandbox.js';

const EVIL = callPickle('posix', 'system', 'touch /tmp/modelscan-guard-e2e-pwned', 0);
const BENIGN = asm(op.proto(4), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.STOP);
const BENIGN2 = asm(op.proto(4), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.POP, op.NONE, op.STOP);

const sb = new GitSandbox('msg-push-');
afterAll(() => sb.cleanup());

const HOOK = `#!/bin/sh
input=$(cat)
printf '%s\\n' "$input" | "${process.execPath}" "${BIN}" pre-push "$@" || exit $?
printf '%s\\n' "$input" | git lfs pre-push "$@"
`;

let n = 0;
/** A client with LFS tracking *.pt, our pre-push hook, and a bare `origin`. */
function setup(): { client: string; server: string } {
  const id = n++;
  const server = sb.initBare(`server${id}.git`);
  const client = sb.initRepo(`client${id}`, { lfs: ['*.pt'] });
  sb.hook(join(client, '.git', 'hooks'), 'pre-push', HOOK);
  sb.git(client, ['remote', 'add', 'origin', server]);
  return { client, server };
}

function push(client: string, args: string[]) {
  return sb.git(client, ['push', ...args], { allowFail: true });
}

function serverHas(server: string, ref: string): boolean {
  return sb.git(server, ['rev-parse', '--verify', '--quiet', ref], { allowFail: true }).code === 0;
}

function lfsObjects(server: string): string[] {
  const root = join(server, 'lfs', 'objects');
  if (!existsSync(root)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(e.name);
    }
  };
  walk(root);
  return out;
}

function lfsOid(client: string, rev: string): string {
  return /oid sha256:([0-9a-f]{64})/.exec(sb.git(client, ['cat-file', '-p', rev]).stdout)![1]!;
}

describe('pre-push through a real hook', () => {
  it('a benign LFS model is pushed, and its LFS object reaches the server', () => {
    const { client, server } = setup();
    sb.commit(client, { 'model.pt': BENIGN, 'README.md': 'hi\n' }, 'benign');
    const r = push(client, ['-q', 'origin', 'main']);
    expect(r.code, r.stderr).toBe(0);
    expect(serverHas(server, 'refs/heads/main')).toBe(true);
    expect(lfsObjects(server)).toContain(lfsOid(client, 'HEAD:model.pt'));
  });

  it('a malicious LFS model blocks the push: no ref, no LFS upload, a summary naming file and commit', () => {
    const { client, server } = setup();
    const commit = sb.commit(client, { 'weights/evil.pt': EVIL }, 'evil');
    const r = push(client, ['origin', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`CRITICAL\\s+weights/evil\\.pt \\(commit ${commit.slice(0, 12)}, LFS [0-9a-f]{12}, pickle\\): posix\\.system`));
    expect(serverHas(server, 'refs/heads/main')).toBe(false);
    expect(lfsObjects(server)).toEqual([]);
  });

  it('finds a malicious model in an intermediate commit that a later commit deletes', () => {
    const { client, server } = setup();
    sb.commit(client, { 'README.md': 'x\n' }, 'base');
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
    sb.commit(client, { 'tmp/evil.pkl': EVIL }, 'add');
    sb.git(client, ['rm', '-q', 'tmp/evil.pkl']);
    sb.git(client, ['commit', '-q', '-m', 'remove again']);
    const r = push(client, ['origin', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('tmp/evil.pkl');
    expect(sb.git(server, ['rev-list', '--count', 'main']).stdout.trim()).toBe('1');
  });

  it("the tracking refs of a remote named origin/fork are not origin's", () => {
    const { client } = setup();
    sb.commit(client, { 'README.md': 'hi\n' }, 'base');
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
    // A fork, added as a remote whose name starts with "origin/": its refs live under refs/remotes/origin/fork/.
    const fork = sb.initRepo(`fork${n}`, { lfs: [] });
    sb.git(fork, ['pull', '-q', sb.git(client, ['remote', 'get-url', 'origin']).stdout.trim(), 'main']);
    sb.commit(fork, { 'models/evil.pkl': EVIL }, 'evil');
    sb.git(client, ['remote', 'add', 'origin/fork', fork]);
    sb.git(client, ['fetch', '-q', 'origin/fork']);
    sb.git(client, ['merge', '-q', '--no-ff', '-m', 'merge the fork', 'origin/fork/main']);
    const r = push(client, ['origin', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/CRITICAL\s+models\/evil\.pkl/);
  });

  it("pull requests fetched into origin's namespace (+refs/pull/*/head:refs/remotes/origin/pr/*) are not origin's branches", () => {
    const { client, server } = setup();
    sb.commit(client, { 'README.md': 'hi\n' }, 'base');
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
    // A fork's pull request, which the platform keeps as refs/pull/1/head (no hook of ours ran for it).
    const fork = sb.initRepo(`prfork${n}`, { lfs: [] });
    sb.git(fork, ['pull', '-q', server, 'main']);
    sb.commit(fork, { 'models/evil.pkl': EVIL }, 'evil');
    sb.git(server, ['fetch', '-q', fork, 'main:refs/pull/1/head']);
    sb.git(client, ['config', '--add', 'remote.origin.fetch', '+refs/pull/*/head:refs/remotes/origin/pr/*']);
    sb.git(client, ['fetch', '-q', 'origin']);
    sb.git(client, ['merge', '-q', '--no-ff', '-m', 'merge the pull request', 'origin/pr/1']);
    const r = push(client, ['origin', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/CRITICAL\s+models\/evil\.pkl/);
  });

  it('a merge commit bringing a model from an unpushed branch is covered', () => {
    const { client } = setup();
    sb.commit(client, { 'README.md': 'x\n' }, 'base');
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
    sb.git(client, ['checkout', '-q', '-b', 'side']);
    sb.commit(client, { 'side.pt': EVIL }, 'side model');
    sb.git(client, ['checkout', '-q', 'main']);
    sb.commit(client, { 'main.txt': 'm\n' }, 'main work');
    sb.git(client, ['merge', '-q', '--no-edit', 'side']);
    const r = push(client, ['origin', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('side.pt');
  });

  it('new branch off pushed history scans only its own commits; the same blobs again cost nothing', () => {
    const { client } = setup();
    sb.commit(client, { 'a.pt': BENIGN }, 'base');
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
    sb.git(client, ['checkout', '-q', '-b', 'feature']);
    sb.commit(client, { 'b.pt': BENIGN2 }, 'feature');
    const stdin = `refs/heads/feature ${sb.git(client, ['rev-parse', 'HEAD']).stdout.trim()} refs/heads/feature ${'0'.repeat(40)}\n`;
    const dry = sb.cli(client, ['pre-push', 'origin', 'unused', '-v', '--no-cache'], { input: stdin });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/passed \(1 blob, 1 model file/);
    expect(push(client, ['-q', 'origin', 'feature']).code).toBe(0);
  });

  it('tags: a lightweight tag of pushed history adds nothing; an annotated tag of a new malicious commit blocks', () => {
    const { client, server } = setup();
    sb.commit(client, { 'README.md': 'x\n' }, 'base');
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
    sb.git(client, ['tag', 'light']);
    expect(push(client, ['-q', 'origin', 'light']).code).toBe(0);
    sb.git(client, ['checkout', '-q', '--detach']);
    sb.commit(client, { 'tagged.pkl': EVIL }, 'only reachable from a tag');
    sb.git(client, ['tag', '-a', '-m', 'release', 'v1']);
    const r = push(client, ['origin', 'v1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('tagged.pkl');
    expect(serverHas(server, 'refs/tags/v1')).toBe(false);
  });

  it('a deletion scans nothing and passes; a force push scans the rewritten commit', () => {
    const { client, server } = setup();
    sb.commit(client, { 'README.md': 'x\n' }, 'base');
    sb.git(client, ['checkout', '-q', '-b', 'tmp']);
    sb.commit(client, { 'f.txt': 'f\n' }, 'f');
    expect(push(client, ['-q', 'origin', 'main', 'tmp']).code).toBe(0);
    expect(push(client, ['-q', 'origin', '--delete', 'tmp']).code).toBe(0);
    expect(serverHas(server, 'refs/heads/tmp')).toBe(false);
    sb.git(client, ['checkout', '-q', 'main']);
    sb.write(client, 'evil.pkl', EVIL);
    sb.git(client, ['add', 'evil.pkl']);
    sb.git(client, ['commit', '-q', '--amend', '-m', 'base, amended']);
    const r = push(client, ['-f', 'origin', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('evil.pkl');
  });

  it('pushing to a URL (no tracking refs) scans the whole history: the safe answer', () => {
    const { client, server } = setup();
    sb.commit(client, { 'old.pkl': EVIL }, 'old');
    sb.git(client, ['push', '-q', '--no-verify', 'origin', 'main']);
    sb.commit(client, { 'new.txt': 'n\n' }, 'new');
    const viaName = push(client, ['-q', 'origin', 'main']);
    expect(viaName.code, viaName.stderr).toBe(0);
    const viaUrl = push(client, ['-q', `file://${server}`, 'main:refs/heads/other']);
    expect(viaUrl.code).not.toBe(0);
    expect(viaUrl.stderr).toContain('old.pkl');
  });

  it('an empty push ("Everything up-to-date") passes', () => {
    const { client } = setup();
    sb.commit(client, { 'README.md': 'x\n' }, 'base');
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
  });
});

describe('pre-push input shapes fed directly', () => {
  it('accepts 64-character zero oids and a remote tip unknown locally', () => {
    const { client } = setup();
    const head = sb.commit(client, { 'e.pkl': EVIL }, 'e');
    const sha256Zero = `refs/heads/main ${head} refs/heads/main ${'0'.repeat(64)}\n`;
    expect(sb.cli(client, ['pre-push', 'origin', 'x'], { input: sha256Zero }).code).toBe(1);
    const unknownTip = `refs/heads/main ${head} refs/heads/main ${'1'.repeat(40)}\n`;
    expect(sb.cli(client, ['pre-push', 'origin', 'x'], { input: unknownTip }).code).toBe(1);
    const deletion = `(delete) ${'0'.repeat(40)} refs/heads/main ${head}\n`;
    expect(sb.cli(client, ['pre-push', 'origin', 'x'], { input: deletion }).code).toBe(0);
  });

  it('every line counts: one malicious ref among several blocks', () => {
    const { client } = setup();
    const clean = sb.commit(client, { 'a.txt': 'a\n' }, 'a');
    sb.git(client, ['checkout', '-q', '-b', 'b']);
    const evil = sb.commit(client, { 'b.pkl': EVIL }, 'b');
    const input = `refs/heads/main ${clean} refs/heads/main ${'0'.repeat(40)}\nrefs/heads/b ${evil} refs/heads/b ${'0'.repeat(40)}\n`;
    const r = sb.cli(client, ['pre-push', 'origin', 'x'], { input });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('b.pkl');
  });

  it('malformed input is a usage error, not a pass', () => {
    const { client } = setup();
    const r = sb.cli(client, ['pre-push', 'origin', 'x'], { input: 'garbage line\n' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/unexpected pre-push input line/);
  });

  it('under the pre-commit framework (empty stdin) it follows PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF', () => {
    const { client } = setup();
    const base = sb.commit(client, { 'old.pkl': EVIL }, 'old');
    const head = sb.commit(client, { 'new.txt': 'n\n' }, 'new');
    const env = { PRE_COMMIT: '1', PRE_COMMIT_REMOTE_NAME: 'origin', PRE_COMMIT_REMOTE_URL: 'x', PRE_COMMIT_LOCAL_BRANCH: 'refs/heads/main', PRE_COMMIT_REMOTE_BRANCH: 'refs/heads/main' };
    expect(sb.cli(client, ['pre-push', 'new.txt'], { env: { ...env, PRE_COMMIT_FROM_REF: base, PRE_COMMIT_TO_REF: head } }).code).toBe(0);
    // all-files mode (first push): no refs in the environment, the local branch is everything
    expect(sb.cli(client, ['pre-push'], { env }).code).toBe(1);
    // at the framework's commit stage the pre-push hook does nothing
    expect(sb.cli(client, ['pre-push'], { env: { PRE_COMMIT: '1' } }).code).toBe(0);
  });
});
