import { describe, expect, it } from 'vitest';
import { ValueStack } from '../../src/scanners/pickle/value-stack.js';
import { DICT, NONE } from '../../src/scanners/pickle/values.js';

describe('the VM stack kept as numbers until read', () => {
  it('gives back each kind of item as the Value it stands for', () => {
    const s = new ValueStack();
    s.push(DICT);
    s.pushInt(-70_000);
    s.pushUtf8(12, 5);
    s.pushBytes(40, 3);
    expect(s.length).toBe(4);
    expect(s.at(0)).toBe(DICT);
    expect(s.at(1)).toEqual({ kind: 'scalar', type: 'int', value: -70_000 });
    expect(s.at(2)).toEqual({ kind: 'str', text: null, enc: 'utf8', offset: 12, length: 5 });
    expect(s.at(3)).toEqual({ kind: 'bytes', span: { enc: 'raw', offset: 40, length: 3 }, data: null });
    expect(s.at(4)).toBeUndefined();
    expect(s.at(-1)).toBeUndefined();
  });

  it('reads of one item give the same object, and only a located str reads as numbers', () => {
    const s = new ValueStack();
    s.pushUtf8(3, 4);
    expect(s.isUtf8(0)).toBe(true);
    expect([s.utf8Offset(0), s.utf8Length(0)]).toEqual([3, 4]);
    const first = s.at(0);
    expect(s.at(0)).toBe(first);
    s.pushInt(9);
    expect(s.isUtf8(1)).toBe(false);
  });

  it('keeps every item while growing, and truncate only ever shrinks', () => {
    const s = new ValueStack();
    for (let k = 0; k < 5000; k++) {
      if (k % 2 === 0) s.pushInt(k * 1000);
      else s.pushUtf8(k, k % 7);
    }
    expect(s.at(0)).toEqual({ kind: 'scalar', type: 'int', value: 0 });
    expect(s.at(4998)).toEqual({ kind: 'scalar', type: 'int', value: 4_998_000 });
    expect(s.at(4999)).toEqual({ kind: 'str', text: null, enc: 'utf8', offset: 4999, length: 4999 % 7 });
    s.truncate(6000);
    expect(s.length).toBe(5000);
    s.truncate(-1);
    expect(s.length).toBe(5000);
    s.truncate(2);
    expect(s.length).toBe(2);
    expect(s.slice(0)).toEqual([
      { kind: 'scalar', type: 'int', value: 0 },
      { kind: 'str', text: null, enc: 'utf8', offset: 1, length: 1 },
    ]);
    s.push(NONE);
    expect(s.pop()).toBe(NONE);
    expect(s.pop()).toEqual({ kind: 'str', text: null, enc: 'utf8', offset: 1, length: 1 });
    expect(s.length).toBe(1);
  });
});

