/**
 * A line-level static check of the Python sources a TorchScript archive carries under code/. torch.jit.load
 * compiles them with the TorchScript compiler, which is not Python: it has no import statement, no eval or
 * exec, no module objects. What torch.jit.save writes is class bodies over torch.* ops. So any import, any
 * reference to os/subprocess/builtins-like modules, eval/exec/__import__, dunder escapes (__class__,
 * __globals__, __subclasses__…) or getattr on anything but `self` with a plain name is out of place: either
 * a hand-edited archive meant for a loader that executes the code, or an attempt at one.
 *
 * The builtins (open, compile, input, vars…) count only where they are the builtins: a bare name called or
 * taken as a value. A method of that name is not: torch.jit.save writes a scripted module's `def open(self…`
 * and its calls as `(self).open(x, )`, and an attribute of anything reaches the builtin only through a
 * module (`io.open`, `builtins.open`: the module checks) or a dunder (the dunder check).
 */
export interface ScriptIssue {
  line: number;
  what: string;
}

const IMPORT = /^\s*(?:import\s+([\w.]+)|from\s+([\w.]+)\s+import\b)/;
const ALLOWED_IMPORT = /^(?:__torch__|torch|typing)(?:\.|$)/;
/** The builtins that run code or reach files and the interpreter, when called. */
const CALLS = /\b(eval|exec|compile|__import__|globals|locals|vars|open|breakpoint|input|execfile)\s*\(/g;
/**
 * The code-running builtins taken as values (`f = eval`, `g(exec)`), to be called under another name; not
 * assigned, annotated or passed as a keyword. Not the others: `input`, `vars`, `open` are common parameter and
 * variable names (Linear.forward's is `input`).
 */
const VALUES = /\b(eval|exec|__import__|execfile)\b(?!\s*(?:\(|[:=](?!=)))/g;
/** String literals and comments, blanked before looking for names taken as values. */
const STRINGS_AND_COMMENTS = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|#.*$/g;
/** A module's attribute: `os.system`. A local variable of that name (`sys = self.sys; w = sys.weight`) is not. */
const MODULES = /\b(io|_io|os|subprocess|sys|builtins|__builtins__|__builtin__|importlib|socket|shutil|pty|posix|nt|ctypes|pickle|marshal|runpy|urllib|requests|http|webbrowser|code|codecs|inspect)\s*\.\s*[A-Za-z_]/g;
const DUNDERS = /\.\s*__(class|subclasses|globals|builtins|base|bases|mro|code|dict|getattribute|reduce|reduce_ex|import|loader|spec|self|func|closure)__\b/;
const GETATTR = /\bgetattr\s*\(([^,)]*),\s*([^,)]*)/g;
const SELF_ATTR = /^\s*self\s*$/;
const PLAIN_NAME = /^\s*"(?!__)[A-Za-z0-9_]*"\s*$/;

export function checkScript(text: string): ScriptIssue[] {
  const issues: ScriptIssue[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  const locals = functionLocals(lines);
  for (let i = 0; i < lines.length && issues.length < 50; i++) {
    const line = lines[i]!;
    const n = i + 1;
    const imp = IMPORT.exec(line);
    if (imp && !ALLOWED_IMPORT.test(imp[1] ?? imp[2] ?? '')) issues.push({ line: n, what: `imports ${imp[1] ?? imp[2]}` });
    // Names count in code, not in string literals or comments: torch.jit.save writes error messages such as
    // "expected 2D or 3D input (got…" and exception names "builtins.ValueError" as strings.
    const code = line.replace(STRINGS_AND_COMMENTS, '""');
    const call = firstBare(code, CALLS);
    if (call) issues.push({ line: n, what: `calls ${call}()` });
    const value = call ? null : firstBare(code, VALUES);
    if (value) issues.push({ line: n, what: `takes ${value} as a value` });
    const mod = firstBare(code, MODULES, locals[i]);
    if (mod) issues.push({ line: n, what: `uses the ${mod} module` });
    const dunder = DUNDERS.exec(code);
    if (dunder) issues.push({ line: n, what: `reaches __${dunder[1]}__` });
    for (const g of line.matchAll(GETATTR)) {
      if (!SELF_ATTR.test(g[1]!) || !PLAIN_NAME.test(g[2]!)) issues.push({ line: n, what: `getattr(${g[1]!.trim()}, ${g[2]!.trim()})` });
    }
  }
  return issues;
}

/**
 * The first match of `re` (global, group 1 a name) that is the bare name: not an attribute (`x.open`,
 * `(self) . open`) and not the name a `def` defines. The look back is a loop, not a regex lookbehind: a
 * lookbehind over whitespace is re-run at every position, quadratic on a long line of spaces. Names in
 * `bound` are local variables there, not what the name means at module level.
 */
function firstBare(line: string, re: RegExp, bound?: ReadonlySet<string>): string | null {
  for (const m of line.matchAll(re)) {
    if (bound?.has(m[1]!)) continue;
    let j = m.index - 1;
    while (j >= 0 && (line[j] === ' ' || line[j] === '\t')) j--;
    if (line[j] === '.') continue;
    if (j >= 2 && j < m.index - 1 && line.slice(j - 2, j + 1) === 'def' && (j === 2 || !/\w/.test(line[j - 3]!))) continue;
    return m[1]!;
  }
  return null;
}

const DEF = /^([ \t]*)def\s+\w+\s*\(/;
const PARAM = /(?:^|[(,])\s*([A-Za-z_]\w*)\s*:/g;
/** `a = …`, `a, b = …`, `a: T = …`, `for a, b in …`: names a statement binds in a function. */
const ASSIGNED = /^\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*,?\s*(?::[^=]*)?=(?!=)/;
const FOR = /^\s*for\s+([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*,?\s+in\b/;

/**
 * The local variables of the function each line is in (undefined outside a function): its annotated
 * parameters (torch.jit.save annotates every one) and the names its body assigns, which Python makes local
 * for the whole body; only lines that start a statement (outside brackets: `f(\n  os=1)` is a keyword
 * argument) assign. A body ends at the first non-blank line indented no deeper than its `def`; a line Python
 * reads as inside the body but this does not (a continuation at column 0) only loses the exemption. Nested
 * functions start a scope of their own and the outer one is not resumed after them: again, only fewer exemptions.
 */
function functionLocals(lines: readonly string[]): Array<Set<string> | undefined> {
  const out: Array<Set<string> | undefined> = new Array(lines.length);
  let scope: Set<string> | undefined;
  let indent = -1;
  let signature = false;
  let depth = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const code = line.replace(STRINGS_AND_COMMENTS, '""');
    const statement = depth === 0;
    for (const c of code) depth = Math.max(0, depth + (c === '(' || c === '[' || c === '{' ? 1 : c === ')' || c === ']' || c === '}' ? -1 : 0));
    const def = DEF.exec(code);
    if (def) {
      scope = new Set();
      indent = def[1]!.length;
      signature = true;
    } else if (scope && !signature && code.trim() !== '' && code.length - code.trimStart().length <= indent) {
      scope = undefined;
    }
    if (!scope) continue;
    out[i] = scope;
    if (signature) {
      for (const p of code.matchAll(PARAM)) scope.add(p[1]!);
      // The header ends at the line ending with its colon; a header that never ends is not Python.
      if (/:\s*$/.test(code) && /\)\s*(?:->[^:]*)?:\s*$/.test(code)) signature = false;
    } else if (statement) {
      const a = ASSIGNED.exec(code) ?? FOR.exec(code);
      if (a) for (const name of a[1]!.split(',')) scope.add(name.trim());
    }
  }
  return out;
}
