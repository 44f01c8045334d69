/** Quoting for the few values written into hook scripts at install time (paths of node, the CLI, a config). */

/** Single-quotes a string for POSIX sh: safe for any content, including quotes, spaces and newlines. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
