/**
 * Our marked block inside a file that also holds the user's content (husky's .husky/<hook> files). Everything
 * outside the markers is the user's and is never changed; re-installing replaces only what is between them.
 */

export const BEGIN = '# >>> modelscan-guard >>> (managed by `modelscan-guard install`: edits inside are replaced)';
export const END = '# <<< modelscan-guard <<<';

export interface Split {
  /** Lines before the block (or the preamble lines when there is no block yet). */
  before: string[];
  block: string[] | null;
  after: string[];
}

function lines(text: string): string[] {
  const l = text.split('\n');
  if (l.length > 0 && l[l.length - 1] === '') l.pop();
  return l;
}

/**
 * Lines that must stay first: a shebang, and husky 4-8's `. "$(dirname -- "$0")/_/husky.sh"` (it implements
 * HUSKY=0 and must run before any hook code).
 */
function preambleLength(l: string[]): number {
  let n = 0;
  while (n < l.length) {
    const s = l[n]!.trim();
    if ((n === 0 && s.startsWith('#!')) || (s.startsWith('.') && s.includes('husky.sh'))) n++;
    else break;
  }
  return n;
}

export function split(text: string): Split {
  const l = lines(text);
  const b = l.indexOf(BEGIN);
  const e = b < 0 ? -1 : l.indexOf(END, b);
  if (b >= 0 && e > b) return { before: l.slice(0, b), block: l.slice(b + 1, e), after: l.slice(e + 1) };
  if (b >= 0 || l.includes(END)) throw new Error('found only one of the modelscan-guard markers: fix the file by hand, then install again');
  const n = preambleLength(l);
  return { before: l.slice(0, n), block: null, after: l.slice(n) };
}

/** The user's content only (for "does the user already call X?"). */
export function outside(text: string): string {
  const s = split(text);
  return [...s.before, ...s.after].join('\n');
}

/** `text` with our block set to `body` (inserted after the preamble, or replaced in place). */
export function withBlock(text: string, body: string): string {
  const s = split(text);
  return [...s.before, BEGIN, ...lines(body), END, ...s.after].join('\n') + '\n';
}

/** `text` without our block; null when nothing of the user's would remain (the file can go). */
export function withoutBlock(text: string): string | null {
  const s = split(text);
  const rest = [...s.before, ...s.after];
  if (rest.every((x) => x.trim() === '' || x.startsWith('#!') || x.includes('husky.sh'))) return null;
  return rest.join('\n') + '\n';
}
