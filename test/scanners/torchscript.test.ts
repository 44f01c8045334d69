/** The line check of TorchScript code/: what torch.jit.save writes passes; Python escapes do not. */
import { describe, expect, it } from 'vitest';
import { checkScript } from '../../src/scanners/torch/script-check.js';

const REAL = `class Sequential(Module):
  __parameters__ = []
  __annotations__["0"] = __torch__.torch.nn.modules.linear.___torch_mangle_0.Linear
  def forward(self: __torch__.torch.nn.modules.container.Sequential,
    input: Tensor) -> Tensor:
    _1 = getattr(self, "1")
    _0 = getattr(self, "0")
    return (_1).forward((_0).forward(input, ), )
`;

/**
 * torch.jit.save's code/__torch__.py for a scripted module whose methods are named like builtins (torch 2.x,
 * a module with a Linear `lin` and methods open, compile, input and vars called from forward).
 */
const BUILTIN_NAMED_METHODS = `class O(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  lin : __torch__.torch.nn.modules.linear.Linear
  def forward(s: __torch__.O,
    x: Tensor) -> Tensor:
    y = (s).open(x, )
    _0 = (s).compile(y, )
    _1 = (s).input(_0, )
    lin = s.lin
    _2 = (s).vars([_1, (lin).forward(x, )], )
    return torch.add(_2, _0)
  def open(s: __torch__.O,
    x: Tensor) -> Tensor:
    return torch.add(x, 1)
  def compile(s: __torch__.O,
    x: Tensor) -> Tensor:
    return torch.mul(x, 2)
  def vars(s: __torch__.O,
    x: List[Tensor]) -> Tensor:
    return x[0]
  def input(s: __torch__.O,
    x: Tensor) -> Tensor:
    return torch.sub(x, 1)
`;

/** torch.jit.save's code for submodules named sys, code and io and a parameter named os, read in forward. */
const MODULE_NAMED_LOCALS = `class M(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  code : __torch__.torch.nn.modules.linear.Linear
  sys : __torch__.torch.nn.modules.linear.Linear
  io : __torch__.torch.nn.modules.linear.Linear
  def forward(s: __torch__.M,
    x: Tensor,
    os: int) -> Tensor:
    sys = s.sys
    weight = sys.weight
    _0 = torch.matmul(x, weight)
    code = s.code
    bias = code.bias
    _1 = torch.add(_0, bias)
    io = s.io
    bias0 = io.bias
    return torch.add(_1, torch.mul(bias0, os))
`;

describe('TorchScript code check', () => {
  it('accepts local variables and parameters named like modules, and attributes of that name', () => {
    expect(checkScript(MODULE_NAMED_LOCALS)).toEqual([]);
    expect(checkScript('class M(Module):\n  def forward(self, x: Tensor) -> Tensor:\n    w = self.sys.weight\n    for a, code in x:\n      y = code.weight\n    return w\n')).toEqual([]);
  });

  it('still flags a module whose name is bound only elsewhere: another function, the class, a keyword, a dict key', () => {
    const cases = [
      'class M(Module):\n  sys : int\n  def forward(self) -> int:\n    return sys.exit(0)\n',
      'class M(Module):\n  def a(self, os: int) -> int:\n    return os\n  def b(self) -> int:\n    return os.system("id")\n',
      'class M(Module):\n  def a(self) -> int:\n    os = 1\n  def b(self) -> int:\n    return os.system("id")\n',
      'class M(Module):\n  def a(self) -> int:\n    f(\n      os=1)\n    return os.system("id")\n',
      'class M(Module):\n  def a(self) -> int:\n    d = {\n      os: 1}\n    return os.system("id")\n',
      'class M(Module):\n  def a(self) -> int:\n    return 1\nos.system("id")\n',
    ];
    for (const text of cases) expect(checkScript(text).map((i) => i.what), text).toContain('uses the ' + (text.includes('sys.exit') ? 'sys' : 'os') + ' module');
  });

  it('accepts methods named like builtins, their definitions and their calls on self', () => {
    expect(checkScript(BUILTIN_NAMED_METHODS)).toEqual([]);
    const lines = [
      '    return self.open(x)',
      '    return self . eval(x)',
      '    return (self).exec(x, )',
      '  def exec(self, x: Tensor) -> Tensor:',
      '  def  __import__(self) -> Tensor:',
      '    _0 = __torch__.m.open(x, )',
      '    return torch.linear(input, weight, bias)',
      '    mode: str = "eval"',
      '    return f(exec=True)',
    ];
    for (const line of lines) expect(checkScript(`class M(Module):\n${line}\n`), line).toEqual([]);
  });

  it('still flags the builtins called bare next to a method of the same name', () => {
    const cases: Array<[string, RegExp]> = [
      ['    y = (self).open(x, ) + open("/etc/passwd")', /calls open/],
      ['    return open("/etc/passwd")', /calls open/],
      ['    return not open ("/etc/passwd")', /calls open/],
      ['    x = [compile("1", "f", "eval")]', /calls compile/],
      ['    undef open("x")', /calls open/],
      ['    f = eval', /takes eval as a value/],
      ['    return g(exec)', /takes exec as a value/],
      ['    return io.open("/etc/passwd")', /io module/],
    ];
    for (const [line, what] of cases) {
      const issues = checkScript(`class M(Module):\n${line}\n`);
      expect(issues.map((i) => i.what).join('; '), line).toMatch(what);
    }
  });

  it('stays linear on a long line of spaces (quadratic work there would not end within the test timeout)', () => {
    const line = `    x = ${' '.repeat(2_000_000)}open`;
    expect(checkScript(line)).toEqual([]);
  });

  it('does not read names inside string literals: the messages and exception names torch.jit.save writes', () => {
    // From torch.jit.script(nn.BatchNorm1d(4)).save(...): an error message mentioning input, an exception name.
    const lines = [
      '    _4 = "expected 2D or 3D input (got {}D input)"',
      '      ops.prim.RaiseException(_6, "builtins.ValueError")',
      "    _3 = 'open(the pod bay doors) os.system __class__'  # eval(x) in a comment",
    ];
    for (const line of lines) expect(checkScript(`class M(Module):\n${line}\n`), line).toEqual([]);
    // Code next to a string still counts.
    expect(checkScript('class M(Module):\n    x = "a" + os.system("id")\n').map((i) => i.what).join()).toMatch(/os module/);
  });

  it('accepts what torch.jit.save writes', () => {
    expect(checkScript(REAL)).toEqual([]);
  });

  it('flags imports, dangerous modules and calls, dunder escapes and getattr tricks', () => {
    const cases: Array<[string, RegExp]> = [
      ['import os', /imports os/],
      ['from subprocess import run', /imports subprocess/],
      ['    x = os.system("echo")', /os module/],
      ['    eval("1")', /calls eval/],
      ['    __import__("os")', /calls __import__/],
      ['    y = x.__class__.__mro__', /__class__/],
      ['    f = getattr(builtins, "exec")', /getattr/],
      ['    f = getattr(self, "__dict__")', /getattr/],
    ];
    for (const [line, what] of cases) {
      const issues = checkScript(`class M(Module):\n${line}\n`);
      expect(issues.length, line).toBeGreaterThan(0);
      expect(issues.map((i) => i.what).join('; '), line).toMatch(what);
      expect(issues[0]!.line).toBe(2);
    }
  });
});
