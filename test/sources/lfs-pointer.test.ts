import { describe, expect, it } from 'vitest';
import { formatPointer, parsePointer } from '../../src/sources/lfs/pointer.js';
import { parsePrePushInput, parseRange, parseRawZ } from '../../src/sources/git/changes.js';

const OID = '2f50d5524c2837f95728635e98a06e5b7a8c30709aa78390502ceb9fa6632f24';
const ptr = (text: string) => parsePointer(Buffer.from(text));

describe('LFS pointer parsing (git-lfs spec)', () => {
  it('accepts a canonical pointer and extension keys in order', () => {
    expect(ptr(formatPointer({ oid: OID, size: 29 }))).toEqual({ kind: 'pointer', pointer: { oid: OID, size: 29 } });
    expect(ptr(`version https://git-lfs.github.com/spec/v1\next-0-foo sha256:${OID}\noid sha256:${OID}\nsize 0\n`).kind).toBe('pointer');
  });

  it('rejects broken pointers with the reason', () => {
    const cases: [string, RegExp][] = [
      [`version https://git-lfs.github.com/spec/v1\nsize 29\noid sha256:${OID}\n`, /not sorted/],
      [`version https://git-lfs.github.com/spec/v1\noid sha256:${OID.toUpperCase()}\nsize 29\n`, /64 lowercase hex/],
      [`version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\nsize 29`, /newline/],
      [`version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\nsize -1\n`, /decimal/],
      [`version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\n`, /missing oid or size/],
      [`version https://git-lfs.github.com/spec/v1\noid sha256:${OID}\noid sha256:${OID}\nsize 1\n`, /duplicate/],
      [`version https://git-lfs.github.com/spec/v9\noid sha256:${OID}\nsize 1\n`, /unknown spec/],
    ];
    for (const [text, reason] of cases) {
      const r = ptr(text);
      expect(r.kind, text).toBe('invalid');
      expect((r as { reason: string }).reason).toMatch(reason);
    }
  });

  it('is not fooled into treating other content as a pointer', () => {
    expect(ptr('version 2 of my notes\n').kind).toBe('not-a-pointer');
    expect(ptr('\x80\x04K\x01.').kind).toBe('not-a-pointer');
    expect(parsePointer(Buffer.concat([Buffer.from(formatPointer({ oid: OID, size: 1 })), Buffer.alloc(2000)])).kind).toBe('not-a-pointer');
  });
});

describe('git output parsing', () => {
  it('raw -z diffs with commit lines, merges and odd paths', () => {
    const z = (...t: string[]) => Buffer.from(t.join('\0') + '\0');
    const c = 'f'.repeat(40);
    const out = parseRawZ(z(c, `:000000 100644 ${'0'.repeat(40)} ${'a'.repeat(40)} A`, 'dir/with space\nnewline.pt', `${c} (from ${'e'.repeat(40)})`, `:100644 000000 ${'a'.repeat(40)} ${'0'.repeat(40)} D`, 'gone'));
    expect(out).toEqual([
      { commit: c, newMode: '100644', newOid: 'a'.repeat(40), status: 'A', path: 'dir/with space\nnewline.pt' },
      { commit: c, newMode: '000000', newOid: '0'.repeat(40), status: 'D', path: 'gone' },
    ]);
  });

  it('pre-push lines and ranges', () => {
    expect(parsePrePushInput(`HEAD ${'1'.repeat(40)} refs/heads/x ${'0'.repeat(64)}\n\n`)).toHaveLength(1);
    expect(() => parsePrePushInput('refs/heads/x abc refs/heads/x def\n')).toThrow(/unexpected pre-push input/);
    expect(parseRange('main...feature')).toEqual({ from: 'main', to: 'feature', threeDot: true });
    expect(parseRange('v1.0..HEAD')).toEqual({ from: 'v1.0', to: 'HEAD', threeDot: false });
    expect(() => parseRange('main')).toThrow(/expected a range/);
    expect(() => parseRange('..HEAD')).toThrow(/expected a range/);
  });
});
