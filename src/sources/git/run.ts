/**
 * Running git: argv arrays only (never a shell string built from a ref or a file name), in the repository the
 * guard was started in, with the environment git gave us (GIT_INDEX_FILE for partial commits, the quarantine
 * variables in pre-receive: git-recipes 1.3 and 3.2 say they must reach git unchanged).
 */
import { spawn, spawnSync } from 'node:child_process';

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed${code === null ? '' : ` (exit ${code})`}: ${stderr.trim() || '(no message)'}`);
  }
}

export interface GitOptions {
  /** Working directory: the repository (top level or any folder inside). */
  cwd: string;
  /** Extra environment on top of the inherited one; an undefined value removes the variable. */
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Exit codes that are answers rather than failures (e.g. 1 for `cat-file -e`). */
  okCodes?: readonly number[];
  /** gitAsync only: throw stdout away (e.g. the content `git lfs smudge` prints while it fetches). */
  discardStdout?: boolean;
}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs git to completion. Output is collected in memory: use it for listings, never for blob content. */
export function gitSync(args: readonly string[], opts: GitOptions): GitResult {
  const r = spawnSync('git', args, {
    cwd: opts.cwd,
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
    input: opts.input,
    maxBuffer: 1 << 30,
  });
  if (r.error) throw new GitError(args, null, r.error.message);
  const code = r.status ?? -1;
  const stderr = r.stderr.toString('utf8');
  if (code !== 0 && !(opts.okCodes ?? []).includes(code)) throw new GitError(args, code, stderr);
  return { code, stdout: r.stdout, stderr };
}

/** stdout as text, trailing newline removed. */
export function gitText(args: readonly string[], opts: GitOptions): string {
  return gitSync(args, opts).stdout.toString('utf8').replace(/\n$/, '');
}

/** Runs git asynchronously (for commands that may take a while, e.g. `git lfs fetch`), inheriting nothing on stdout. */
export function gitAsync(args: readonly string[], opts: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: opts.cwd, env: opts.env ? { ...process.env, ...opts.env } : process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => {
      if (!opts.discardStdout) out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => reject(new GitError(args, null, e.message)));
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      const c = code ?? -1;
      if (c !== 0 && !(opts.okCodes ?? []).includes(c)) reject(new GitError(args, c, stderr));
      else resolve({ code: c, stdout: Buffer.concat(out), stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Splits NUL-separated output, dropping the empty tail. */
export function splitZ(buf: Buffer): string[] {
  const s = buf.toString('utf8');
  const parts = s.split('\0');
  if (parts.at(-1) === '') parts.pop();
  return parts;
}
