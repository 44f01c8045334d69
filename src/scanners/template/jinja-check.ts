/**
 * Checks a Jinja chat template (GGUF `tokenizer.chat_template`, `chat_template` of tokenizer_config.json)
 * for sandbox escapes (CVE-2024-34359: llama-cpp-python rendered templates in a non-sandboxed
 * environment, so `{{ cycler.__init__.__globals__.os.popen('id').read() }}` ran commands).
 *
 * Only code regions (`{{ … }}`, `{% … %}`) can execute; literal text between them cannot, so it is not
 * judged (real templates are full of words like "system"). Inside code, string literals are decoded as
 * Jinja decodes them (`\x5f`, `\u005f`, octal escapes) and the literals of a region are also read joined
 * together, which undoes `'__cla' ~ 'ss__'`, `'__cla' + 'ss__'` and `['__cla','ss__']|join`.
 */
import type { Severity } from '../../types.js';

export const TEMPLATE_RULES = {
  escape: 'template/sandbox-escape',
  statement: 'template/unusual-statement',
} as const;

export interface TemplateIssue {
  severity: Severity;
  rule: string;
  description: string;
}

/** Attribute names that run commands or import code once reached. */
const EXEC_NAMES = new Set([
  'popen', 'system', '__import__', 'import_module', 'eval', 'exec', 'execfile', 'spawn', 'spawnl', 'spawnv',
  'spawnve', 'getoutput', 'getstatusoutput', 'check_output', 'check_call', 'Popen', 'load_module', 'execv',
  'execve', 'fork', 'compile', 'open',
]);
/** Words that, inside a decoded string literal, name a way to code execution. */
const EXEC_WORDS = /\b(?:popen|__import__|import_module|getoutput|check_output|subprocess|builtins|func_globals|f_globals|gi_frame|os\.system)\b/;
/** Jinja globals whose attributes reach Python internals (`cycler.__init__.__globals__`). */
const GADGET_GLOBALS = new Set(['cycler', 'joiner', 'lipsum', 'self', 'namespace', 'range', 'dict', 'loop', 'caller', 'varargs', 'kwargs']);
/** Of those, the ones a real chat template never uses at all. */
const NEVER_USED = new Set(['cycler', 'joiner', 'lipsum', 'self']);
const DUNDER = /__[A-Za-z0-9_]*__/;

interface Token {
  kind: 'ident' | 'string' | 'punct';
  text: string;
}

export function checkChatTemplate(template: string, label: string): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  const seen = new Set<string>();
  const add = (severity: Severity, rule: string, what: string): void => {
    if (seen.has(what) || issues.length >= 50) return;
    seen.add(what);
    issues.push({ severity, rule, description: `${label}: ${what}` });
  };
  for (const region of codeRegions(template)) checkRegion(region, add);
  return issues;
}

type Add = (severity: Severity, rule: string, what: string) => void;

function checkRegion(region: { tokens: Token[]; statement: boolean }, add: Add): void {
  const t = region.tokens;
  const joined = t.filter((x) => x.kind === 'string').map((x) => x.text).join('');
  for (let i = 0; i < t.length; i++) {
    const tok = t[i]!;
    const prev = t[i - 1];
    const next = t[i + 1];
    if (tok.kind === 'ident') {
      if (DUNDER.test(tok.text)) add('CRITICAL', TEMPLATE_RULES.escape, `accesses the Python internal ${tok.text}, the first step of a sandbox escape`);
      // dict(__cla=1, ss__=1)|join spells __class__ from keyword names.
      else if (/^__[A-Za-z0-9]|[A-Za-z0-9]__$/.test(tok.text)) add('HIGH', TEMPLATE_RULES.escape, `uses the name ${tok.text}, half of a Python internal name`);
      const isAttr = prev?.text === '.';
      if (isAttr && EXEC_NAMES.has(tok.text)) add('CRITICAL', TEMPLATE_RULES.escape, `calls .${tok.text}, which runs commands or loads code`);
      if (!isAttr && NEVER_USED.has(tok.text)) add('HIGH', TEMPLATE_RULES.escape, `uses the Jinja global ${tok.text}, whose attributes lead to Python's globals`);
      if (!isAttr && GADGET_GLOBALS.has(tok.text) && (next?.text === '|' && t[i + 2]?.text === 'attr')) {
        add('HIGH', TEMPLATE_RULES.escape, `reads attributes of ${tok.text} through |attr`);
      }
      if (tok.text === 'attr' && prev?.text === '|') add('HIGH', TEMPLATE_RULES.escape, 'uses the |attr filter, which reaches attributes the dot syntax would show');
      if (tok.text === 'format' && prev?.text === '|' && /%c/.test(joined)) add('HIGH', TEMPLATE_RULES.escape, 'builds strings from character codes (|format with %c), a way to hide names');
      if (region.statement && i === 0 && (tok.text === 'import' || tok.text === 'from' || tok.text === 'include' || tok.text === 'extends')) {
        add('MEDIUM', TEMPLATE_RULES.statement, `uses {% ${tok.text} %}, which loads other templates; chat templates are self-contained`);
      }
    } else if (tok.kind === 'string') {
      const m = DUNDER.exec(tok.text);
      if (m) add('CRITICAL', TEMPLATE_RULES.escape, `names the Python internal ${m[0]} in a string`);
      const w = EXEC_WORDS.exec(tok.text);
      if (w) add('CRITICAL', TEMPLATE_RULES.escape, `names ${w[0]} in a string`);
      // '_' * 2 ~ 'class' ~ u * 2: underscores made by repetition, or kept apart to be joined later.
      const stored = region.statement && t[0]?.text === 'set';
      if (/^_+$/.test(tok.text) && (tok.text.length >= 2 || prev?.text === '*' || next?.text === '*' || stored)) {
        add('HIGH', TEMPLATE_RULES.escape, 'builds a run of underscores, the way hidden dunder names are assembled');
      }
      // A string used as an attribute name: x['popen'], x|attr('popen').
      if ((prev?.text === '[' || prev?.text === '(') && EXEC_NAMES.has(tok.text)) {
        const subscript = prev.text === '[' || (t[i - 2]?.text === 'attr');
        if (subscript) add('CRITICAL', TEMPLATE_RULES.escape, `reaches the attribute ${tok.text}, which runs commands or loads code`);
      }
    }
  }
  // Whole-region join for dunders (a `__x__` never appears by accident), concatenation groups for words.
  const jm = DUNDER.exec(joined);
  if (jm) add('CRITICAL', TEMPLATE_RULES.escape, `assembles the Python internal ${jm[0]} from pieces of strings`);
  for (const group of concatenations(t)) {
    const jw = EXEC_WORDS.exec(group) ?? (EXEC_NAMES.has(group) ? [group] : null);
    if (jw) add('CRITICAL', TEMPLATE_RULES.escape, `assembles ${jw[0]} from pieces of strings`);
  }
}

/** Runs of string literals joined by `~`, `+` or list commas (`['po','pen']|join`): what they concatenate to. */
function concatenations(t: Token[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const flush = (): void => {
    if (run.length > 1) out.push(run.join(''));
    run = [];
  };
  for (const tok of t) {
    if (tok.kind === 'string') run.push(tok.text);
    else if (!(tok.kind === 'punct' && (tok.text === '~' || tok.text === '+' || tok.text === ','))) flush();
  }
  flush();
  return out;
}

/** Splits a template into its code regions and lexes each; comments and literal text are dropped. */
function codeRegions(src: string): { tokens: Token[]; statement: boolean }[] {
  const out: { tokens: Token[]; statement: boolean }[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{', i);
    if (open < 0 || open + 1 >= src.length) break;
    const c = src[open + 1];
    if (c === '#') {
      const end = src.indexOf('#}', open + 2);
      i = end < 0 ? src.length : end + 2;
      continue;
    }
    if (c !== '{' && c !== '%') {
      i = open + 1;
      continue;
    }
    const close = c === '{' ? '}}' : '%}';
    const { tokens, end } = lex(src, open + 2, close);
    out.push({ tokens, statement: c === '%' });
    i = end;
  }
  return out;
}

function lex(src: string, start: number, close: string): { tokens: Token[]; end: number } {
  const tokens: Token[] = [];
  let i = start;
  if (src[i] === '-' || src[i] === '+') i++;
  while (i < src.length) {
    const ch = src[i]!;
    if (src.startsWith(close, i) || ((ch === '-' || ch === '+') && src.startsWith(close, i + 1))) {
      return { tokens, end: i + (src[i] === close[0] ? close.length : close.length + 1) };
    }
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '"' || ch === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== ch) j += src[j] === '\\' ? 2 : 1;
      tokens.push({ kind: 'string', text: decodeJinjaString(src.slice(i + 1, Math.min(j, src.length))) });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1;
      while (j < src.length && /[A-Za-z0-9_]/.test(src[j]!)) j++;
      tokens.push({ kind: 'ident', text: src.slice(i, j) });
      i = j;
    } else {
      tokens.push({ kind: 'punct', text: ch });
      i++;
    }
  }
  return { tokens, end: src.length };
}

/** Python's unicode-escape decoding, as Jinja's lexer applies it to string literals. */
export function decodeJinjaString(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|N\{[^}]*\}|.)/gs, (_m, e: string) => {
    const k = e[0]!;
    if (k === 'x' || k === 'u' || k === 'U') {
      const cp = parseInt(e.slice(1), 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
    }
    if (/[0-7]/.test(k)) return String.fromCodePoint(parseInt(e, 8));
    if (k === 'N') return '';
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };
    return simple[k] ?? `\\${e}`;
  });
}
