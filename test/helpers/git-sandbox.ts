/**
 * Real git repositories for end-to-end tests: a private HOME (its own ~/.gitconfig), an environment scrubbed of
 * the variables a surrounding hook would leak (GIT_INDEX_FILE, GIT_DIR, quarantine...), `git lfs install --local`
 * in every repository so nothing depends on /etc/gitconfig. See ../shared/docs/git-recipes.md sections 7.1 and 8.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'modelscan-guard.js');

const LOCAL_GIT_VARS = execFileSync('git', ['rev-parse', '--local-env-vars'], { encoding: 'utf8' }).split('\n').filter(Boolean);

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function result(r: SpawnSyncReturns<string>): Run {
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export class GitSandbox {
  readonly root: string;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(prefix = 'msg-git-') {
    this.root = mkdtempSync(join(tmpdir(), prefix));
    this.home = join(this.root, 'home');
    mkdirSync(this.home);
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of [...LOCAL_GIT_VARS, 'GIT_QUARANTINE_PATH', 'GIT_LFS_SKIP_SMUDGE', 'GIT_CONFIG_NOSYSTEM', 'HUSKY']) delete env[k];
    for (const k of Object.keys(env)) if (k.startsWith('PRE_COMMIT')) delete env[k];
    env.HOME = this.home;
    env.XDG_CONFIG_HOME = join(this.home, '.config');
    env.XDG_CACHE_HOME = join(this.home, '.cache');
    env.GIT_TERMINAL_PROMPT = '0';
    this.env = env;
    this.git(this.root, ['config', '--global', 'user.name', 'Test']);
    this.git(this.root, ['config', '--global', 'user.email', 'test@example.invalid']);
    this.git(this.root, ['config', '--global', 'init.defaultBranch', 'main']);
    this.git(this.root, ['config', '--global', 'advice.detachedHead', 'false']);
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  /** Runs git; throws with its stderr unless `allowFail`. */
  git(cwd: string, args: string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; allowFail?: boolean } = {}): Run {
    const r = result(spawnSync('git', args, { cwd, env: { ...this.env, ...opts.env }, input: opts.input, encoding: 'utf8', maxBuffer: 64 << 20 }));
    if (!opts.allowFail && r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}) in ${cwd}:\n${r.stderr}${r.stdout}`);
    return r;
  }

  /**
   * Stages `bytes` at `path` exactly as they are (no clean filter, so no LFS pointer is made of them): for blobs
   * git-lfs or a hand-made pointer would never produce through `git add`. Returns the blob's id.
   */
  stageRaw(repo: string, path: string, bytes: string | Buffer): string {
    const oid = this.git(repo, ['hash-object', '-w', '--no-filters', '--stdin'], { input: bytes }).stdout.trim();
    this.git(repo, ['update-index', '--add', '--cacheinfo', `100644,${oid},${path}`]);
    return oid;
  }

  /** A working repository; `lfs` tracks the given patterns. */
  initRepo(name: string, opts: { lfs?: string[] } = {}): string {
    const dir = this.path(name);
    this.git(this.root, ['init', '-q', dir]);
    this.git(dir, ['lfs', 'install', '--local']);
    if (opts.lfs && opts.lfs.length > 0) {
      this.git(dir, ['lfs', 'track', ...opts.lfs]);
      this.git(dir, ['add', '.gitattributes']);
    }
    return dir;
  }

  initBare(name: string): string {
    const dir = this.path(name);
    this.git(this.root, ['init', '-q', '--bare', dir]);
    return dir;
  }

  /** Writes a file (creating folders) inside `repo`. */
  write(repo: string, rel: string, content: string | Buffer): string {
    const p = join(repo, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    return p;
  }

  /** Writes, stages and commits files; returns the new commit id. */
  commit(repo: string, files: Record<string, string | Buffer>, message = 'change'): string {
    for (const [rel, content] of Object.entries(files)) this.write(repo, rel, content);
    if (Object.keys(files).length > 0) this.git(repo, ['add', '--', ...Object.keys(files)]);
    this.git(repo, ['commit', '-q', '--allow-empty', '-m', message]);
    return this.git(repo, ['rev-parse', 'HEAD']).stdout.trim();
  }

  /** Installs an executable hook script. */
  hook(hooksDir: string, name: string, script: string): void {
    mkdirSync(hooksDir, { recursive: true });
    const p = join(hooksDir, name);
    writeFileSync(p, script);
    chmodSync(p, 0o755);
  }

  /** Runs the built CLI (npm test builds dist/ first) in `cwd`. */
  cli(cwd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}): Run {
    return result(spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...this.env, ...opts.env }, input: opts.input ?? '', encoding: 'utf8', timeout: 120_000 }));
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
