/** The marked block in husky files: where it goes, that refreshing it is stable, and that removing it keeps the rest. */
import { describe, expect, it } from 'vitest';
import { BEGIN, END, outside, split, withBlock, withoutBlock } from '../../src/install/block.js';
import { shQuote } from '../../src/install/shell.js';
import { spawnSync } from 'node:child_process';

const HUSKY8 = '#!/usr/bin/env sh\n. "$(dirname -- "$0")/_/husky.sh"\n\nnpx lint-staged\n';

describe('marked block', () => {
  it("goes after a shebang and husky 4-8's husky.sh line, before the user's lines", () => {
    const t = withBlock(HUSKY8, 'guard');
    expect(t).toBe(`#!/usr/bin/env sh\n. "$(dirname -- "$0")/_/husky.sh"\n${BEGIN}\nguard\n${END}\n\nnpx lint-staged\n`);
    expect(withBlock('npm test\n', 'guard')).toBe(`${BEGIN}\nguard\n${END}\nnpm test\n`);
  });

  it('is replaced in place, so installing twice gives the same text', () => {
    const once = withBlock(HUSKY8, 'v1');
    expect(withBlock(once, 'v1')).toBe(once);
    const v2 = withBlock(once, 'v2\nmore');
    expect(split(v2).block).toEqual(['v2', 'more']);
    expect(outside(v2)).toBe(outside(once));
  });

  it("comes out again leaving the user's text, or nothing when only ours was there", () => {
    expect(withoutBlock(withBlock(HUSKY8, 'guard'))).toBe(HUSKY8);
    expect(withoutBlock(withBlock('#!/usr/bin/env sh\n', 'guard'))).toBeNull();
  });

  it('refuses a file with only one of the markers', () => {
    expect(() => split(`${BEGIN}\nguard\n`)).toThrow(/only one of the modelscan-guard markers/);
  });
});

describe('shQuote', () => {
  it('round-trips any path through sh', () => {
    for (const s of ["it's", 'a b', '$(rm -rf /)', '`x`', 'new\nline', '\\', '"']) {
      const r = spawnSync('sh', ['-c', `printf '%s' ${shQuote(s)}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(s);
    }
  });
});
