/**
 * A line-level static check of the Python sources a TorchScript archive carries under code/. torch.jit.load
 * compiles them with the TorchScript compiler, which is not Python: it has no import statement, no eval or
 * exec, no module objects. What torch.jit.save writes is class bodies over torch.* ops. So any import, any
 * reference to os/subprocess/builtins-like modules, eval/exec/__import__, dunder escapes (__class__,
 * __globals__, __subclasses__…) or getattr on anything but `self` with a plain name is out of place: either
 * a hand-edited archive meant for a loader that executes the code, or an attempt at one.
 */
export interface ScriptIssue {
  line: number;
  what: string;
}

const IMPORT = /^\s*(?:import\s+([\w.]+)|from\s+([\w.]+)\s+import\b)/;
const ALLOWED_IMPORT = /^(?:__torch__|torch|typing)(?:\.|$)/;
const CALLS = /\b(eval|exec|compile|__import__|globals|locals|vars|open|breakpoint|input|execfile)\s*\(/;
const MODULES = /\b(os|subprocess|sys|builtins|__builtins__|__builtin__|importlib|socket|shutil|pty|posix|nt|ctypes|pickle|marshal|runpy|urllib|requests|http|webbrowser|code|codecs|inspect)\s*\.\s*[A-Za-z_]/;
const DUNDERS = /\.\s*__(class|subclasses|globals|builtins|base|bases|mro|code|dict|getattribute|reduce|reduce_ex|import|loader|spec|self|func|closure)__\b/;
const GETATTR = /\bgetattr\s*\(([^,)]*),\s*([^,)]*)/g;
const SELF_ATTR = /^\s*self\s*$/;
const PLAIN_NAME = /^\s*"(?!__)[A-Za-z0-9_]*"\s*$/;

export function checkScript(text: string): ScriptIssue[] {
  const issues: ScriptIssue[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length && issues.length < 50; i++) {
    const line = lines[i]!;
    const n = i + 1;
    const imp = IMPORT.exec(line);
    if (imp && !ALLOWED_IMPORT.test(imp[1] ?? imp[2] ?? '')) issues.push({ line: n, what: `imports ${imp[1] ?? imp[2]}` });
    const call = CALLS.exec(line);
    if (call) issues.push({ line: n, what: `calls ${call[1]}()` });
    const mod = MODULES.exec(line);
    if (mod) issues.push({ line: n, what: `uses the ${mod[1]} module` });
    const dunder = DUNDERS.exec(line);
    if (dunder) issues.push({ line: n, what: `reaches __${dunder[1]}__` });
    for (const g of line.matchAll(GETATTR)) {
      if (!SELF_ATTR.test(g[1]!) || !PLAIN_NAME.test(g[2]!)) issues.push({ line: n, what: `getattr(${g[1]!.trim()}, ${g[2]!.trim()})` });
    }
  }
  return issues;
}
