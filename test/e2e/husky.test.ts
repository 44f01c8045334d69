/**
 * `modelscan-guard install` in a husky 9 repository that uses Git LFS. husky is the real package (9.1.7) from the
 * npm registry: if the registry cannot be reached, beforeAll fails and so does every test here (never a skip).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, GitSandbox } from '../helpers/git-sandbox.js';
import { BENIGN, EVIL, lfsObject, refs, sharedNpmCache } from '../helpers/hooks.js';

const HUSKY = '9.1.7';
let modules: string; // a node_modules with husky and, as a project devDependency would, modelscan-guard
let sb: GitSandbox;
let repo: string;
let origin: string;
let log: string;

beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'msg-husky-pkg-'));
  writeFileSync(join(dir, 'package.json'), '{"name":"husky-holder","private":true}\n');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--save-exact', `husky@${HUSKY}`], {
    cwd: dir,
    env: { ...process.env, npm_config_cache: sharedNpmCache() },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 120_000,
  });
  modules = join(dir, 'node_modules');
  symlinkSync(BIN, join(modules, '.bin', 'modelscan-guard'));
  expect(JSON.parse(readFileSync(join(modules, 'husky', 'package.json'), 'utf8')).version).toBe(HUSKY);
}, 150_000);
afterAll(() => rmSync(join(modules, '..'), { recursive: true, force: true }));

beforeEach(() => {
  sb = new GitSandbox('msg-husky-');
  log = sb.path('user-hooks.log');
  origin = sb.initBare('origin.git');
  repo = sb.initRepo('work', { lfs: ['*.pt'] }); // git-lfs's hooks land in .git/hooks, which husky makes git ignore
  sb.git(repo, ['remote', 'add', 'origin', origin]);
  writeFileSync(join(repo, 'package.json'), '{"name":"consumer","private":true}\n');
  writeFileSync(join(repo, '.gitignore'), 'node_modules\n');
  symlinkSync(modules, join(repo, 'node_modules'));
  execFileSync(process.execPath, [join(modules, 'husky', 'bin.js'), 'init'], { cwd: repo, env: sb.env, stdio: 'pipe' });
  expect(sb.git(repo, ['config', 'core.hooksPath']).stdout.trim()).toBe('.husky/_');
  // The user's own hook content, which install must keep (husky init's `npm test` would fail here).
  writeFileSync(join(repo, '.husky', 'pre-commit'), `echo user-pre-commit >> '${log}'\n`);
  writeFileSync(join(repo, '.husky', 'post-checkout'), `echo user-post-checkout >> '${log}'\n`);
});
afterEach(() => sb.cleanup());

function install() {
  const r = sb.cli(repo, ['install']);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

const read = (f: string) => readFileSync(join(repo, '.husky', f), 'utf8');

describe('husky install with Git LFS', () => {
  it('adds the guard and the LFS calls to .husky/, keeps the user content, and installing twice changes nothing', () => {
    const r = install();
    expect(r.stdout).toContain('.husky/pre-push');
    expect(existsSync(join(repo, '.git', 'hooks', 'pre-push.local'))).toBe(false); // nothing written where git does not look
    expect(read('pre-commit')).toContain(`echo user-pre-commit >> '${log}'`);
    expect(read('pre-commit')).toContain('modelscan_guard staged');
    expect(read('post-checkout')).toContain(`echo user-post-checkout >> '${log}'`);
    for (const h of ['post-checkout', 'post-commit', 'post-merge']) expect(read(h)).toContain(`git lfs ${h} "$@"`);
    const prePush = read('pre-push');
    expect(prePush.indexOf('modelscan_guard pre-push')).toBeLessThan(prePush.indexOf('git lfs pre-push'));
    const files = ['pre-commit', 'pre-push', 'post-checkout', 'post-commit', 'post-merge'].map(read);
    expect(install().stdout).not.toMatch(/created|updated/);
    expect(['pre-commit', 'pre-push', 'post-checkout', 'post-commit', 'post-merge'].map(read)).toEqual(files);
    // Uninstall takes our blocks out again: the user's lines stay, files that only held ours go.
    expect(sb.cli(repo, ['install', '--uninstall']).code).toBe(0);
    expect(read('pre-commit')).toBe(`echo user-pre-commit >> '${log}'\n`);
    expect(existsSync(join(repo, '.husky', 'pre-push'))).toBe(false);
  });

  it('a benign model is committed and pushed with its LFS object; a malicious one is blocked at both hooks', () => {
    install();
    sb.git(repo, ['add', '.gitignore', 'package.json', '.husky/pre-commit', '.husky/pre-push', '.husky/post-checkout']);
    sb.commit(repo, { 'model.pt': BENIGN }, 'benign');
    expect(readFileSync(log, 'utf8')).toContain('user-pre-commit');
    const ok = sb.git(repo, ['push', 'origin', 'main'], { allowFail: true });
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(lfsObject(origin, BENIGN))).toBe(true); // husky's core.hooksPath would otherwise lose it
    const pushed = sb.git(origin, ['rev-parse', 'main']).stdout.trim();

    sb.write(repo, 'evil.pt', EVIL);
    sb.git(repo, ['add', 'evil.pt']);
    const commit = sb.git(repo, ['commit', '-q', '-m', 'evil'], { allowFail: true });
    expect(commit.code).not.toBe(0);
    expect(commit.stderr).toContain('evil.pt');
    sb.git(repo, ['commit', '-q', '--no-verify', '-m', 'evil']);
    const push = sb.git(repo, ['push', 'origin', 'main'], { allowFail: true });
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain('evil.pt');
    expect(sb.git(origin, ['rev-parse', 'main']).stdout.trim()).toBe(pushed);
    expect(existsSync(lfsObject(origin, EVIL))).toBe(false);
    expect(refs(sb, origin)).toBe('refs/heads/main');
  });

  it("hands git's stdin back to the user's own lines, which may call git lfs pre-push themselves", () => {
    writeFileSync(join(repo, '.husky', 'pre-push'), `input=$(cat)\nprintf '%s\\n' "$input" >> '${log}'\nprintf '%s\\n' "$input" | git lfs pre-push "$@"\n`);
    install();
    expect(read('pre-push').split('git lfs pre-push').length - 1).toBe(1); // the user's call only: no second upload
    const head = sb.commit(repo, { 'model.pt': BENIGN }, 'benign');
    expect(sb.git(repo, ['push', 'origin', 'main'], { allowFail: true }).code).toBe(0);
    expect(readFileSync(log, 'utf8')).toContain(`refs/heads/main ${head} refs/heads/main 0000000000000000000000000000000000000000`);
    expect(existsSync(lfsObject(origin, BENIGN))).toBe(true);
  });
});
