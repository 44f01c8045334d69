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

describe('TorchScript code check', () => {
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
