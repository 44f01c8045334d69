/**
 * `modelscan-guard install --server TARGET`: the pre-receive hook of a bare repository, or a file in a
 * pre-receive.d folder (GitLab's custom_hooks/pre-receive.d, Gitea's and Forgejo's hooks/pre-receive.d).
 *
 * The hook runs the exact node and CLI that performed the installation (absolute paths, shell-quoted), because a
 * server's hook environment has a minimal PATH. A foreign pre-receive hook is kept as `pre-receive.local` and run
 * first with the same input; its refusal still refuses the push. Git silently skips a hook without its run
 * bit (git-recipes 3.4): the installer sets it and checks it.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { gitText } from '../sources/git/run.js';
import { shQuote } from './shell.js';

export const SERVER_MARKER = '# modelscan-guard pre-receive hook';

export interface ServerInstallOptions {
  /** Server policy file given to the hook with --config (recommended: outside any repository). */
  config?: string;
  /** Extra arguments for `modelscan-guard pre-receive` (e.g. --lfs-store DIR --lfs-layout gitlab). */
  extraArgs?: readonly string[];
  /** The node binary and CLI script the hook runs (default: this process's). */
  node?: string;
  cli?: string;
}

export interface ServerInstallResult {
  hookFile: string;
  /** What happened, for the user. */
  actions: string[];
}

export class InstallError extends Error {}

/** Where the hook goes: a bare repository's hooks dir (core.hooksPath respected), or a `*.d` folder. */
export function serverHookFile(target: string): { file: string; chainable: boolean } {
  const abs = resolve(target);
  if (basename(abs).endsWith('.d')) return { file: join(abs, 'modelscan-guard'), chainable: false };
  if (existsSync(join(abs, 'objects')) && existsSync(join(abs, 'HEAD'))) {
    const hooks = resolve(abs, gitText(['rev-parse', '--git-path', 'hooks'], { cwd: abs, env: { GIT_DIR: abs } }));
    return { file: join(hooks, 'pre-receive'), chainable: true };
  }
  if (basename(abs) === 'hooks' || basename(abs) === 'custom_hooks') return { file: join(abs, 'pre-receive'), chainable: true };
  throw new InstallError(`${target} is neither a bare repository, a hooks folder, nor a pre-receive.d folder`);
}

export function hookScript(opts: ServerInstallOptions, chainLocal: boolean): string {
  const node = opts.node ?? process.execPath;
  const cli = opts.cli ?? process.argv[1]!;
  const args = ['pre-receive', ...(opts.config ? ['--config', resolve(opts.config)] : []), ...(opts.extraArgs ?? [])].map(shQuote).join(' ');
  const lines = ['#!/bin/sh', `${SERVER_MARKER} (installed by \`modelscan-guard install --server\`; re-run it to update)`];
  if (chainLocal) {
    lines.push(
      '# The hook that was here before is kept as pre-receive.local and runs first, with the same input.',
      'input=$(cat)',
      'local_hook="$(dirname "$0")/pre-receive.local"',
      'if [ -x "$local_hook" ]; then printf \'%s\\n\' "$input" | "$local_hook" "$@" || exit $?; fi',
      `printf '%s\\n' "$input" | exec ${shQuote(node)} ${shQuote(cli)} ${args}`,
    );
  } else {
    lines.push(`exec ${shQuote(node)} ${shQuote(cli)} ${args}`);
  }
  return `${lines.join('\n')}\n`;
}

export function installServerHook(target: string, opts: ServerInstallOptions = {}): ServerInstallResult {
  const { file, chainable } = serverHookFile(target);
  const actions: string[] = [];
  if (opts.config !== undefined && !existsSync(opts.config)) throw new InstallError(`the server policy ${opts.config} does not exist: create it first (see README, "Server side")`);
  mkdirSync(resolve(file, '..'), { recursive: true });
  let chain = false;
  if (existsSync(file)) {
    const current = readFileSync(file, 'utf8');
    if (current.includes(SERVER_MARKER)) {
      chain = current.includes('pre-receive.local');
    } else if (chainable) {
      const local = join(resolve(file, '..'), 'pre-receive.local');
      if (existsSync(local)) throw new InstallError(`${file} is not ours and ${local} already exists: merge them by hand, then re-run`);
      renameSync(file, local);
      chain = true;
      actions.push(`kept the existing hook as ${local}; it runs first`);
    } else {
      throw new InstallError(`${file} exists and is not a modelscan-guard hook: remove or rename it, then re-run`);
    }
  }
  const script = hookScript(opts, chain);
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (before !== script) {
    writeFileSync(file, script, { mode: 0o755 });
    actions.push(`${before === undefined ? 'installed' : 'updated'} ${file}`);
  } else {
    actions.push(`${file} is already up to date`);
  }
  chmodSync(file, 0o755);
  if ((statSync(file).mode & 0o111) !== 0o111) throw new InstallError(`${file} could not be made executable, and git silently skips a hook without its run bit`);
  return { hookFile: file, actions };
}
