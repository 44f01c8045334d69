/**
 * Shell text for the hook scripts (client hooks here, the server hook in server-hook.ts). Hooks are /bin/sh (dash on
 * Debian), so everything here is POSIX sh. Values are written into the scripts at install time only, always
 * single-quoted by `shQuote`; at run time the scripts only pass "$@" and stdin through, never build command strings
 * from file names or refs.
 */

/** Single-quotes a string for POSIX sh: the only character that needs care inside '…' is ' itself. */
export function shQuote(s: string): string {
  if (s.includes('\0')) throw new Error('a path with a NUL byte cannot be written into a shell script');
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Where the hook looks for the guard, in order. */
export interface GuardLocation {
  /** Absolute node binary and CLI script recorded at install time (omitted in files shared through the repo). */
  recorded?: { node: string; script: string };
}

/**
 * A shell function `modelscan_guard` that runs the CLI with its arguments.
 *
 * Order, and why:
 * 1. the node binary and CLI script recorded at install time, by absolute path: works from GUI clients and IDEs
 *    whose PATH has no node or no node_modules/.bin, and always runs the version that installed the hook;
 * 2. `modelscan-guard` on PATH (a global install, or node_modules/.bin which husky puts on PATH);
 * 3. `npx --no-install modelscan-guard` (a project devDependency; --no-install: never download code from a hook).
 * If none exists the function fails, so the hook blocks: a guard that cannot run must not let content through
 * unscanned. `git commit/push --no-verify` is the documented way round it.
 */
export function guardFunction(loc: GuardLocation): string {
  const lines = ['modelscan_guard() {'];
  let kw = 'if';
  if (loc.recorded) {
    const node = shQuote(loc.recorded.node);
    const script = shQuote(loc.recorded.script);
    lines.push(`  if [ -x ${node} ] && [ -f ${script} ]; then`, `    ${node} ${script} "$@"`);
    kw = 'elif';
  }
  lines.push(
    `  ${kw} command -v modelscan-guard >/dev/null 2>&1; then`,
    '    modelscan-guard "$@"',
    '  elif command -v npx >/dev/null 2>&1; then',
    '    npx --no-install modelscan-guard "$@"',
    '  else',
    `    echo "modelscan-guard: cannot find modelscan-guard (node, PATH, npx): run 'modelscan-guard install' again, or bypass once with --no-verify" >&2`,
    '    return 127',
    '  fi',
    '}',
  );
  return lines.join('\n');
}

/** The check git-lfs puts in its own hooks: without git-lfs an LFS repository would push pointers without objects. */
export function requireGitLfs(hook: string): string {
  return (
    `command -v git-lfs >/dev/null 2>&1 || { echo "${hook}: this repository uses Git LFS but 'git-lfs' was not found on your PATH." >&2; exit 2; }`
  );
}
