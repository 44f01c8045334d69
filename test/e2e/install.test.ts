/**
 * `modelscan-guard install` with native hooks: real git, real git-lfs, real pushes into bare repositories.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GitSandbox } from '../helpers/git-sandbox.js';
import { BENIGN, EVIL, lfsObject, lfsObjectCount, refs } from '../helpers/hooks.js';

let sb: GitSandbox;
let repo: string;
let origin: string;

beforeEach(() => {
  sb = new GitSandbox('msg-install-');
  origin = sb.initBare('origin.git');
  repo = sb.initRepo('work', { lfs: ['*.pt'] });
  sb.git(repo, ['remote', 'add', 'origin', origin]);
  sb.commit(repo, { 'README.md': 'hello\n' }, 'init');
});
afterEach(() => sb.cleanup());

/** name -> [mode, content] of every file in a directory. */
function snapshot(dir: string): Record<string, [number, string]> {
  const out: Record<string, [number, string]> = {};
  for (const f of readdirSync(dir).sort()) out[f] = [statSync(join(dir, f)).mode, readFileSync(join(dir, f), 'utf8')];
  return out;
}

function install(args: string[] = [], cwd = repo) {
  const r = sb.cli(cwd, ['install', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

const hooks = () => join(repo, '.git', 'hooks');

describe('native install', () => {
  it('writes executable hooks, and installing twice changes nothing', () => {
    install();
    const first = snapshot(hooks());
    for (const h of ['pre-commit', 'pre-push']) {
      expect(first[h]![0] & 0o111, h).toBe(0o111);
      expect(first[h]![1]).toContain('modelscan-guard:managed');
    }
    // git-lfs's own pre-push was kept and is chained after the guard
    expect(first['pre-push.local']![1]).toContain('git lfs pre-push');
    const again = install();
    expect(again.stdout).not.toMatch(/created|updated/);
    expect(snapshot(hooks())).toEqual(first);
  });

  it('a benign LFS model is pushed, and its LFS object reaches the remote', () => {
    install();
    sb.commit(repo, { 'model.pt': BENIGN, 'dir/weights.pt': Buffer.concat([BENIGN, Buffer.from('x')]) }, 'models');
    expect(sb.git(repo, ['cat-file', '-p', 'HEAD:model.pt']).stdout).toMatch(/^version https:\/\/git-lfs/);
    const r = sb.git(repo, ['push', 'origin', 'main'], { allowFail: true });
    expect(r.code, r.stderr).toBe(0);
    expect(refs(sb, origin)).toBe('refs/heads/main');
    expect(existsSync(lfsObject(origin, BENIGN))).toBe(true);
    expect(lfsObjectCount(origin)).toBe(2);
  });

  it('a malicious LFS model blocks the push: no ref is created and nothing is uploaded', () => {
    install();
    sb.write(repo, 'evil.pt', EVIL);
    sb.git(repo, ['add', 'evil.pt']);
    sb.git(repo, ['commit', '-q', '--no-verify', '-m', 'evil']); // past the pre-commit hook on purpose
    const r = sb.git(repo, ['push', 'origin', 'main'], { allowFail: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('evil.pt');
    expect(refs(sb, origin)).toBe('');
    expect(lfsObjectCount(origin)).toBe(0);
  });

  it('the pre-commit hook blocks a staged malicious pickle whatever its name, and lets benign content through', () => {
    install();
    const before = sb.git(repo, ['rev-parse', 'HEAD']).stdout;
    sb.write(repo, 'notes.txt', EVIL);
    sb.git(repo, ['add', 'notes.txt']);
    const blocked = sb.git(repo, ['commit', '-q', '-m', 'notes'], { allowFail: true });
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain('notes.txt');
    expect(sb.git(repo, ['rev-parse', 'HEAD']).stdout).toBe(before);
    // the hook changed neither the index nor the work tree
    expect(sb.git(repo, ['diff', '--cached', '--name-only']).stdout.trim()).toBe('notes.txt');
    expect(readFileSync(join(repo, 'notes.txt'))).toEqual(EVIL);
    sb.git(repo, ['rm', '-q', '--cached', 'notes.txt']);
    const ok = sb.commit(repo, { 'model.pt': BENIGN, 'a.txt': 'text\n' }, 'benign');
    expect(ok).not.toBe(before);
  });

  it('keeps a foreign hook, chains it with the same argv and stdin, and its failure still blocks', () => {
    const log = sb.path('foreign.log');
    sb.hook(hooks(), 'pre-push', `#!/bin/sh\necho "argv: $*" >> '${log}'\ncat >> '${log}'\nexit "\${FOREIGN_EXIT:-0}"\n`);
    const foreign = readFileSync(join(hooks(), 'pre-push'), 'utf8');
    sb.hook(hooks(), 'pre-commit', `#!/bin/sh\necho pre-commit-ran >> '${log}'\nexit "\${FOREIGN_EXIT:-0}"\n`);
    const r = install();
    expect(r.stdout).toContain('pre-push.local');
    expect(readFileSync(join(hooks(), 'pre-push.local'), 'utf8')).toBe(foreign);
    expect(readFileSync(join(hooks(), 'pre-push'), 'utf8')).toContain('modelscan-guard:managed');
    // The foreign hook replaced git-lfs's, so ours calls git lfs pre-push itself.
    expect(readFileSync(join(hooks(), 'pre-push'), 'utf8')).toContain('git lfs pre-push "$@"');

    sb.commit(repo, { 'model.pt': BENIGN }, 'benign');
    const head = sb.git(repo, ['rev-parse', 'HEAD']).stdout.trim();
    expect(sb.git(repo, ['push', 'origin', 'main'], { allowFail: true }).code).toBe(0);
    const seen = readFileSync(log, 'utf8');
    expect(seen).toContain('pre-commit-ran');
    expect(seen).toContain(`argv: origin ${origin}`);
    expect(seen).toContain(`refs/heads/main ${head} refs/heads/main 0000000000000000000000000000000000000000`);
    expect(existsSync(lfsObject(origin, BENIGN))).toBe(true);

    // Its failure still blocks, at both hooks.
    sb.commit(repo, { 'b.txt': 'b\n' }, 'b');
    const push = sb.git(repo, ['push', 'origin', 'main'], { allowFail: true, env: { FOREIGN_EXIT: '3' } });
    expect(push.code).not.toBe(0);
    expect(sb.git(origin, ['rev-parse', 'main']).stdout.trim()).toBe(head);
    sb.write(repo, 'c.txt', 'c\n');
    sb.git(repo, ['add', 'c.txt']);
    expect(sb.git(repo, ['commit', '-q', '-m', 'c'], { allowFail: true, env: { FOREIGN_EXIT: '1' } }).code).not.toBe(0);

    // Re-installing keeps the chain as it is; uninstalling puts the foreign hook back.
    expect(install().stdout).not.toMatch(/created|updated/);
    install(['--uninstall']);
    expect(readFileSync(join(hooks(), 'pre-push'), 'utf8')).toBe(foreign);
    expect(existsSync(join(hooks(), 'pre-push.local'))).toBe(false);
  });

  it('refuses, changing nothing, when a foreign hook and a .local are both in the way', () => {
    sb.hook(hooks(), 'pre-commit', '#!/bin/sh\nexit 0\n');
    sb.hook(hooks(), 'pre-commit.local', '#!/bin/sh\nexit 0\n');
    const before = snapshot(hooks());
    const r = sb.cli(repo, ['install', '--pre-commit']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pre-commit.local');
    expect(snapshot(hooks())).toEqual(before);
  });

  it('honours core.hooksPath, in a directory whose name needs quoting', () => {
    const dir = "my hooks/it's here";
    sb.git(repo, ['config', 'core.hooksPath', dir]);
    const r = install(['--pre-commit']);
    expect(r.stdout).toContain('pre-commit');
    expect(existsSync(join(repo, dir, 'pre-commit'))).toBe(true);
    expect(existsSync(join(hooks(), 'pre-commit'))).toBe(false);
    sb.write(repo, 'w.bin', EVIL);
    sb.git(repo, ['add', 'w.bin']);
    expect(sb.git(repo, ['commit', '-q', '-m', 'w'], { allowFail: true }).code).not.toBe(0);
  });

  it('does not call git-lfs from the hooks of a repository that does not use LFS', () => {
    const plain = sb.path('plain');
    sb.git(sb.root, ['init', '-q', plain]);
    install([], plain);
    const prePush = readFileSync(join(plain, '.git', 'hooks', 'pre-push'), 'utf8');
    expect(prePush).toContain('modelscan_guard pre-push');
    expect(prePush).not.toContain('git lfs');
    expect(existsSync(join(plain, '.git', 'hooks', 'post-checkout'))).toBe(false);
  });

  it('writes git-lfs post-* hooks when LFS is used but they are missing (git lfs install refuses once pre-push exists)', () => {
    const fresh = sb.path('fresh');
    sb.git(sb.root, ['init', '-q', fresh]);
    sb.write(fresh, '.gitattributes', '*.pt filter=lfs diff=lfs merge=lfs -text\n');
    install(['--pre-push'], fresh);
    const dir = join(fresh, '.git', 'hooks');
    for (const h of ['post-checkout', 'post-commit', 'post-merge']) expect(readFileSync(join(dir, h), 'utf8')).toContain(`git lfs ${h} "$@"`);
    expect(readFileSync(join(dir, 'pre-push'), 'utf8')).toContain('git lfs pre-push "$@"');
  });

  it('install --server writes an executable pre-receive hook into a bare repository (CLI wiring)', () => {
    const r = sb.cli(sb.root, ['install', '--server', origin, '--', '--cache-only']);
    expect(r.code, r.stderr).toBe(0);
    const hook = join(origin, 'hooks', 'pre-receive');
    expect(statSync(hook).mode & 0o111).toBe(0o111);
    expect(readFileSync(hook, 'utf8')).toContain("'pre-receive' '--cache-only'");
    expect(sb.cli(repo, ['install', 'stray']).code).toBe(4); // positionals only with --server
  });
});
