import { describe, expect, it } from 'vitest';
import { formatPointer, parsePointer } from '../../src/sources/lfs/pointer.js';
import { parsePrePushInput, parseRange, parseRawZ } from '../../src/sources/git/changes.js';

const OID = '2f50d5524c2837f95728635e98a06e5b7a8c30709aa78390502ceb9fa6632f24';
const ptr = (text: string) => parsePointer(Buffer.from(text));

describe('LFS pointer parsing, as git-lfs 3.3 smudges', () => {
  const V = 'version https://git-lfs.github.com/spec/v1';
  const O = `oid sha256:${OID}`;
  const expectPointer = (text: string | Buffer) => expect(parsePointer(Buffer.from(text)), JSON.stringify(String(text).slice(0, 60))).toMatchObject({ kind: 'pointer', pointer: { oid: OID, size: 29 } });

  it('accepts what git-lfs smudges (each case checked against `git lfs smudge`)', () => {
    const canonical = formatPointer({ oid: OID, size: 29 });
    expectPointer(canonical);
    expectPointer(`\n${canonical}`); // leading newline
    expectPointer(`  \t${canonical}`); // leading spaces and tab
    expectPointer(canonical.replace(/\n/g, '\r\n')); // CRLF
    expectPointer(`${V}\n\n${O}\n\nsize 29\n`); // blank lines
    expectPointer(canonical.slice(0, -1)); // no final newline
    expectPointer(`${canonical}   \n\n`); // trailing whitespace
    expectPointer(`version http://git-media.io/v/2\n${O}\nsize 29\n`);
    expectPointer(`version https://hawser.github.com/spec/v1\n${O}\nsize 29\n`);
    expectPointer(`${V}\n${O}\nsize +29\n`); // Go's ParseInt takes a sign
    expectPointer(`${V}\next-0-foo sha256:${OID}\n${O}\nsize 29\n`); // an extension line, counted:
    expect(ptr(`${V}\next-0-foo sha256:${OID}\n${O}\nsize 29\n`)).toMatchObject({ extensions: 1 });
    expect(ptr(formatPointer({ oid: OID, size: 29 }))).toMatchObject({ extensions: 0 });
    // Only the first 1024 bytes are decoded: a pointer padded past them is still one.
    expectPointer(Buffer.concat([Buffer.from(canonical), Buffer.alloc(1024 - canonical.length, 0x0a), Buffer.from('anything at all after byte 1024')]));
    expectPointer(`${canonical}${' '.repeat(2000)}GARBAGE`);
  });

  it('reports what git-lfs would leave as plain text although it starts like a pointer, with the reason', () => {
    const cases: [string, RegExp][] = [
      [`${V}\nsize 29\n${O}\n`, /expected key oid, got "size"/],
      [`${V}\noid sha256:${OID.toUpperCase()}\nsize 29\n`, /64 lowercase hex/],
      [`${V}\n${O}\nsize -1\n`, /negative/],
      [`${V}\n${O}\nsize 0x1d\n`, /decimal/],
      [`${V}\n${O}\n`, /missing size/],
      [`${V}\n${O}\nsize 29\nfoo bar\n`, /extra line/],
      [`${V}\next-0-a sha256:${OID}\next-0-a sha256:${OID}\n${O}\nsize 1\n`, /duplicate extension/],
      [`${V}\next-0-a notanoid\n${O}\nsize 1\n`, /must name a sha256 oid/],
      [`${V}\next-0-a sha256:${OID}\next-0-b sha256:${OID}\n${O}\nsize 1\n`, /two extensions of priority 0/],
      ['version https://git-lfs.github.com/spec/v9\n' + `${O}\nsize 1\n`, /unknown spec/],
      [`version  https://git-lfs.github.com/spec/v1\n${O}\nsize 29\n`, /unknown spec/],
    ];
    for (const [text, reason] of cases) {
      const r = ptr(text);
      expect(r.kind, text).toBe('invalid');
      expect((r as { reason: string }).reason, text).toMatch(reason);
    }
  });

  it('is not fooled into treating other content as a pointer', () => {
    expect(ptr('version 2 of my notes\n').kind).toBe('not-a-pointer');
    expect(ptr('\x80\x04K\x01.').kind).toBe('not-a-pointer');
    expect(ptr(`notes about git-lfs\n${O}\n`).kind).toBe('not-a-pointer');
    // Text before the version line: git-lfs fails to decode it and checks the text out as it is.
    expect(ptr(`hello\n${formatPointer({ oid: OID, size: 29 })}`).kind).toBe('not-a-pointer');
    // Past the first 1024 bytes nothing counts.
    expect(parsePointer(Buffer.concat([Buffer.alloc(1024, 0x41), Buffer.from(formatPointer({ oid: OID, size: 1 }))])).kind).toBe('not-a-pointer');
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
