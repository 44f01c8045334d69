/**
 * The pre-commit framework (Debian's /usr/bin/pre-commit) running this repository's .pre-commit-hooks.yaml with
 * `language: node`: the framework clones a hook repository made from this project's files, runs `npm install`
 * (devDependencies from the registry: `prepare` builds with tsc), `npm pack` and `npm install -g`. That build
 * happens once for the whole file, in a PRE_COMMIT_HOME every test shares.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GitSandbox } from '../helpers/git-sandbox.js';
import { BENIGN, EVIL, lfsObject, sharedNpmCache } from '../helpers/hooks.js';

const PROJECT = resolve(import.meta.dirname, '..', '..');
/** What the hook repository needs: the build inputs and what `npm pack` ships. */
const HOOK_REPO_FILES = ['package.json', 'package-lock.json', 'tsconfig.json', '.npmrc', '.pre-commit-hooks.yaml', 'README.md', 'src', 'scripts', 'bin', 'hooks', 'fixtures/example'];

let shared: string; // hook repository + PRE_COMMIT_HOME
let hookRepo: string;
let rev: string;
/** Added to a sandbox's environment: the shared PRE_COMMIT_HOME and npm cache. */
let extra: NodeJS.ProcessEnv;
let env: NodeJS.ProcessEnv; // the current sandbox's environment + extra
let modernStages: boolean;

/** Runs git outside any sandbox with a scrubbed environment (tests may themselves run from a hook). */
function plainGit(cwd: string, args: string[], e: NodeJS.ProcessEnv): string {
  return execFileSync('git', args, { cwd, env: e, encoding: 'utf8' }).trim();
}

beforeAll(() => {
  shared = mkdtempSync(join(tmpdir(), 'msg-precommit-'));
  hookRepo = join(shared, 'hook-repo');
  // The project's files as they are in this work tree (tracked or new, not ignored), committed in a fresh repo.
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...HOOK_REPO_FILES], { cwd: PROJECT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && existsSync(join(PROJECT, f)));
  for (const f of listed) {
    mkdirSync(dirname(join(hookRepo, f)), { recursive: true });
    cpSync(join(PROJECT, f), join(hookRepo, f));
  }
  const sb = new GitSandbox('msg-precommit-build-');
  try {
    sb.git(shared, ['init', '-q', hookRepo]);
    sb.git(hookRepo, ['add', '-A']);
    sb.git(hookRepo, ['commit', '-q', '-m', 'hook repository']);
    rev = sb.git(hookRepo, ['rev-parse', 'HEAD']).stdout.trim();
    extra = { PRE_COMMIT_HOME: join(shared, 'pre-commit-home'), npm_config_cache: sharedNpmCache() };
    env = { ...sb.env, ...extra };
    const version = execFileSync('pre-commit', ['--version'], { encoding: 'utf8' }).match(/(\d+)\.(\d+)/)!;
    modernStages = Number(version[1]) > 3 || (Number(version[1]) === 3 && Number(version[2]) >= 2);
    // Build the node environment once (first consumer), so that every test below reuses it.
    const warm = sb.initRepo('warm');
    writeConfig(warm, false);
    const r = spawnSync('pre-commit', ['install-hooks'], { cwd: warm, env, encoding: 'utf8', timeout: 240_000 });
    if (r.status !== 0) throw new Error(`pre-commit could not build the language: node hook repository:\n${r.stdout}\n${r.stderr}`);
    // The framework's build must have produced an installed package with its bin, its compiled dist/ and the
    // CLI bundle the bin loads, with its code caches.
    const home = env.PRE_COMMIT_HOME!;
    const built = readdirSync(home).filter((d) => d.startsWith('repo')).map((d) => join(home, d, 'node_env-system', 'lib', 'node_modules', 'modelscan-guard'));
    expect(built.some((p) => existsSync(join(p, 'dist', 'cli', 'main.js')) && existsSync(join(p, 'dist', 'bundle', 'main.cjs')) && existsSync(join(p, 'dist', 'bundle', 'main.cjs.cache')) && existsSync(join(p, 'bin', 'modelscan-guard.js')))).toBe(true);
  } finally {
    sb.cleanup();
  }
}, 300_000);
afterAll(() => rmSync(shared, { recursive: true, force: true }));

function writeConfig(repo: string, withStages: boolean): void {
  const [commit, push] = modernStages ? ['pre-commit', 'pre-push'] : ['commit', 'push'];
  const stages = (s: string) => (withStages ? `\n        stages: [${s}]` : '');
  writeFileSync(
    join(repo, '.pre-commit-config.yaml'),
    `repos:\n  - repo: ${hookRepo}\n    rev: ${rev}\n    hooks:\n      - id: modelscan-guard${stages(commit)}\n      - id: modelscan-guard-pre-push${stages(push)}\n`,
  );
}

let sb: GitSandbox;
let repo: string;
let origin: string;

function setup(withStages: boolean): void {
  repo = sb.initRepo('work', { lfs: ['*.pt'] });
  origin = sb.initBare('origin.git');
  sb.git(repo, ['remote', 'add', 'origin', origin]);
  writeConfig(repo, withStages);
  sb.git(repo, ['add', '.pre-commit-config.yaml']);
  const r = spawnSync('pre-commit', ['install', '--hook-type', 'pre-commit', '--hook-type', 'pre-push'], { cwd: repo, env, encoding: 'utf8' });
  expect(r.status, r.stderr + r.stdout).toBe(0);
}

function git(args: string[]) {
  return sb.git(repo, args, { env, allowFail: true });
}

beforeEach(() => {
  sb = new GitSandbox('msg-precommit-');
  env = { ...sb.env, ...extra };
});
afterEach(() => sb.cleanup());

describe('pre-commit framework, language: node', () => {
  it('hooks without stages: a staged malicious pickle (any name) blocks the commit, benign content passes', () => {
    setup(false);
    sb.write(repo, 'notes.txt', EVIL);
    git(['add', 'notes.txt']);
    const blocked = git(['commit', '-m', 'notes']);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stdout + blocked.stderr).toMatch(/modelscan-guard \(staged model files\)\.+Failed/);
    expect(git(['rev-parse', '--verify', '-q', 'HEAD']).code).not.toBe(0); // nothing committed
    git(['rm', '-q', '--cached', 'notes.txt']);
    sb.write(repo, 'model.pt', BENIGN);
    git(['add', 'model.pt']);
    const ok = git(['commit', '-m', 'benign']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout + ok.stderr).toMatch(/modelscan-guard \(staged model files\)\.+Passed/);
    // Both hooks also run at the push stage; the staged one must not block there.
    const pushed = git(['push', 'origin', 'main']);
    expect(pushed.code, pushed.stdout + pushed.stderr).toBe(0);
    sb.write(repo, 'notes.txt', EVIL);
    git(['add', 'notes.txt']);
    expect(git(['commit', '-q', '--no-verify', '-m', 'notes']).code).toBe(0);
    const blocked2 = git(['push', 'origin', 'main']);
    expect(blocked2.code).not.toBe(0);
    expect(blocked2.stdout + blocked2.stderr).toMatch(/modelscan-guard \(pushed commits\)\.+Failed/);
  });

  it(`hooks with stages (names for this pre-commit version): a malicious push is blocked at the push stage, a benign one goes through with its LFS objects`, () => {
    setup(true);
    sb.write(repo, 'model.pt', BENIGN);
    git(['add', 'model.pt']);
    expect(git(['commit', '-q', '-m', 'benign']).code).toBe(0);
    const ok = git(['push', 'origin', 'main']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(existsSync(lfsObject(origin, BENIGN))).toBe(true);
    const pushed = plainGit(origin, ['rev-parse', 'main'], env);

    sb.write(repo, 'evil.pt', EVIL);
    git(['add', 'evil.pt']);
    expect(git(['commit', '-q', '--no-verify', '-m', 'evil']).code).toBe(0);
    const push = git(['push', 'origin', 'main']);
    expect(push.code).not.toBe(0);
    expect(push.stdout + push.stderr).toMatch(/modelscan-guard \(pushed commits\)\.+Failed/);
    expect(push.stdout + push.stderr).toContain('evil.pt');
    expect(plainGit(origin, ['rev-parse', 'main'], env)).toBe(pushed);
  });

  it('`pre-commit run` (staged files) and `pre-commit run --all-files` (every tracked file) report the file and the call', () => {
    setup(true);
    sb.write(repo, 'model.pt', BENIGN);
    git(['add', 'model.pt']);
    const clean = spawnSync('pre-commit', ['run', 'modelscan-guard'], { cwd: repo, env, encoding: 'utf8' });
    expect(clean.status, clean.stdout + clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/modelscan-guard \(staged model files\)\.+Passed/);

    sb.write(repo, 'weights.bin', EVIL);
    git(['add', 'weights.bin']);
    const staged = spawnSync('pre-commit', ['run', 'modelscan-guard'], { cwd: repo, env, encoding: 'utf8' });
    expect(staged.status).toBe(1);
    expect(staged.stdout).toMatch(/modelscan-guard \(staged model files\)\.+Failed/);
    expect(staged.stdout).toContain('weights.bin');
    expect(staged.stdout).toMatch(/system/);

    // Committed past the hook: --all-files hands every tracked file to the hook, which scans what is in the index.
    expect(git(['commit', '-q', '--no-verify', '-m', 'both']).code).toBe(0);
    const all = spawnSync('pre-commit', ['run', '--all-files', 'modelscan-guard'], { cwd: repo, env, encoding: 'utf8' });
    expect(all.status).toBe(1);
    expect(all.stdout).toContain('weights.bin');
    expect(all.stdout).not.toMatch(/model\.pt\b.*system/);
    git(['rm', '-q', 'weights.bin']);
    const after = spawnSync('pre-commit', ['run', '--all-files', 'modelscan-guard'], { cwd: repo, env, encoding: 'utf8' });
    expect(after.status, after.stdout + after.stderr).toBe(0);
  });
});
