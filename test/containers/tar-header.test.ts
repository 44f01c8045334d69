/** Tar headers recognised as Python's tarfile recognises them, unknown member types, torch's legacy tar layout. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/engine/limits.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { isTarHeader, tarNumber, tarScanner } from '../../src/scanners/tar.js';
import type { ScanContext } from '../../src/scanners/scanner.js';

const FIX = join(import.meta.dirname, '..', '..', 'fixtures', 'containers');
const read = (p: string) => readFileSync(join(FIX, p));
const STRICT: Limits = { ...DEFAULT_LIMITS, pickle: { ...DEFAULT_LIMITS.pickle, maxJunkSearch: 0 } };
const globals = (r: { findings: { module?: string; operator?: string }[] }) => r.findings.map((f) => `${f.module}.${f.operator}`);

/** A header with the checksum written as tarfile writes it ("%06o\0 ") from the given sum. */
function header(edit: (h: Buffer) => void, sum: 'unsigned' | 'signed' = 'unsigned'): Buffer {
  const h = Buffer.alloc(512);
  h.write('model.pkl', 0, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write('00000000012\0', 124, 'latin1');
  h[156] = 0x30;
  edit(h);
  h.fill(0x20, 148, 156);
  let s = 0;
  for (const b of h) s += sum === 'unsigned' ? b : b < 128 ? b : b - 256;
  h.write(`${s.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

describe('isTarHeader (tarfile.frombuf)', () => {
  it('accepts V7, ustar and GNU headers by checksum alone, unsigned or signed', () => {
    expect(isTarHeader(header(() => undefined))).toBe(true);
    expect(isTarHeader(header((h) => h.write('ustar\x0000', 257, 'latin1')))).toBe(true);
    expect(isTarHeader(header((h) => h.write('ustar  \0', 257, 'latin1')))).toBe(true);
    // A name with high bytes: Sun/NeXT tars summed signed chars; tarfile takes either sum.
    const high = (h: Buffer) => h.fill(0xe9, 20, 30);
    expect(isTarHeader(header(high, 'signed'))).toBe(true);
    expect(isTarHeader(header(high, 'unsigned'))).toBe(true);
    for (const f of ['v7.tar', 'v7_evil.tar']) expect(isTarHeader(read(`${f.includes('evil') ? 'malicious' : 'benign'}/tar/${f}`))).toBe(true);
    expect(isTarHeader(read('benign/torch/legacy_tar_v7.pt'))).toBe(true);
  });

  it('refuses a wrong checksum, all zeros, a short block, and numeric fields tarfile cannot read', () => {
    const h = header(() => undefined);
    const wrong = Buffer.from(h);
    wrong[0] = 0x4e;
    expect(isTarHeader(wrong)).toBe(false);
    expect(isTarHeader(Buffer.alloc(512))).toBe(false);
    expect(isTarHeader(h.subarray(0, 511))).toBe(false);
    expect(isTarHeader(header((x) => x.write('00x0644\0', 100, 'latin1')))).toBe(false); // mode
    expect(isTarHeader(header((x) => x.write('1234567\0', 329, 'latin1')))).toBe(true);
    expect(isTarHeader(header((x) => x.write('12345678', 329, 'latin1')))).toBe(false); // devmajor: 8 is no octal digit
    expect(isTarHeader(header((x) => x.write('\xe9', 116, 'latin1')))).toBe(false); // gid: not ASCII
    // A zip, a pickle and text are not tar headers.
    expect(isTarHeader(Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(508, 0x41)]))).toBe(false);
    expect(isTarHeader(Buffer.alloc(512, 0x20))).toBe(false);
  });

  it('reads numbers as tarfile.nti does (int(text, 8) after strip, GNU base-256)', () => {
    const n = (s: string | number[]) => tarNumber(Buffer.from(s as string, 'latin1'));
    expect(n('0000644\0')).toBe(0o644n);
    expect(n(' 644 \0')).toBe(0o644n);
    expect(n('\x1c7\x1f\0')).toBe(7n);
    expect(n('0o_7\0')).toBe(7n);
    expect(n('+0O7')).toBe(7n);
    expect(n('-7')).toBe(-7n);
    expect(n('6_4_4')).toBe(0o644n);
    expect(n('\0garbage')).toBe(0n);
    expect(n('')).toBe(null);
    for (const bad of ['_7', '7_', '1__2', '+ 7', '0o', '8', '0x7', '7 7']) expect(n(bad), bad).toBe(null);
    expect(n([0x80, 0, 0, 0, 0, 0, 0, 1, 0])).toBe(256n);
    expect(n([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])).toBe(-1n);
  });
});

describe('tar members and torch\'s legacy tar layout', () => {
  it('reads members with unknown type flags as files, as tarfile does', async () => {
    const r = await scanBytes(read('malicious/tar/typeZ_evil.tar'), 'x.tar');
    expect(globals(r)).toContain('posix.system');
    const t = await scanBytes(read('malicious/torch/legacy_tar_typeZ_evil.pt'), 'x.pt', { limits: STRICT });
    expect(globals(t)).toContain('posix.system');
    for (const f of ['benign/tar/typeZ.tar', 'benign/torch/legacy_tar_typeZ.pt']) {
      const b = await scanBytes(read(f), 'x', { limits: STRICT });
      expect([b.findings, b.errors, b.skipped], f).toEqual([[], [], undefined]);
    }
  });

  it('reads the storage_views pickle after the storage records (legacy_load), with no error', async () => {
    const r = await scanBytes(read('benign/torch/legacy_tar.pt'), 'x.pt', { limits: STRICT });
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([]);
  });

  it('scans a V7 legacy tar when handed to the tar scanner (sniffing it is isTarHeader\'s job)', async () => {
    for (const [f, evil] of [['malicious/torch/legacy_tar_v7_evil.pt', true], ['benign/torch/legacy_tar_v7.pt', false]] as const) {
      const ctx: ScanContext = {
        path: f,
        depth: 0,
        limits: STRICT,
        pickle: {},
        budget: { decompressed: 1 << 30, searchOpcodes: 1 << 30 },
        async scanNested(src, label) {
          const r = await scanBytes(src.read(0, src.size), label, { limits: STRICT });
          return { findings: r.findings, errors: r.errors, formats: r.formats, scanned: r.skipped === undefined };
        },
      };
      const out = await tarScanner.scan(new BufferSource(read(f)), ctx);
      expect(out.errors, f).toEqual([]);
      expect(out.findings.some((x) => x.operator === 'system'), f).toBe(evil);
    }
  });
});
