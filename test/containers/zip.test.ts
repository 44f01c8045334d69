/** The zip reader and scanner on hand-built adversarial archives (test/helpers/zip-build.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { decodeLzmaAlone } from '../../src/containers/lzma.js';
import { readDirectory, readLocalHeader, ZipFormatError } from '../../src/containers/zip/reader.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/engine/limits.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { asm, op } from '../helpers/pickle-asm.js';
import { buildZip } from '../helpers/zip-build.js';

const LIMITS = DEFAULT_LIMITS.archive;
const EVIL = asm(op.proto(2), op.global('os', 'system'), op.binstring('echo x'), [0x85], 'R.');
const OK = asm(op.proto(2), [0x7d], '.'); // {}
const rules = (r: { findings: { rule: string }[] }) => r.findings.map((f) => f.rule);
const globals = (r: { findings: { module?: string; operator?: string }[] }) => r.findings.map((f) => `${f.module}.${f.operator}`);

describe('zip reader', () => {
  it('lists entries with absolute offsets and no prefix', () => {
    const z = buildZip([{ name: 'a/data.pkl', data: OK }, { name: 'a/version', data: '3\n', method: 8 }]);
    const d = readDirectory(new BufferSource(z), LIMITS);
    expect(d.prefix).toBe(0);
    expect(d.entries.map((e) => [e.name, e.method])).toEqual([['a/data.pkl', 0], ['a/version', 8]]);
    const lh = readLocalHeader(new BufferSource(z), d.entries[0]!);
    expect(z.subarray(lh.dataOffset, lh.dataOffset + OK.length)).toEqual(OK);
  });

  it('finds the archive behind prepended data and shifts every offset by it', () => {
    const z = buildZip([{ name: 'x.pkl', data: OK }], { prefix: EVIL });
    const src = new BufferSource(z);
    const d = readDirectory(src, LIMITS);
    expect(d.prefix).toBe(EVIL.length);
    expect(readLocalHeader(src, d.entries[0]!).dataOffset).toBe(EVIL.length + 30 + 'x.pkl'.length);
  });

  it('reads ZIP64 end records and extra fields', () => {
    const z = buildZip([{ name: 'one', data: 'abc' }, { name: 'two', data: 'defg' }], { zip64: true, prefix: 'junk' });
    const d = readDirectory(new BufferSource(z), LIMITS);
    expect(d.zip64).toBe(true);
    expect(d.prefix).toBe(4);
    const src = new BufferSource(z);
    const lh = readLocalHeader(src, d.entries[1]!);
    expect(z.toString('latin1', lh.dataOffset, lh.dataOffset + 4)).toBe('defg');
  });

  it('rejects what is not a zip, a directory past the file, and a count the directory does not hold', () => {
    expect(() => readDirectory(new BufferSource(Buffer.from('not a zip at all, no end record here')), LIMITS)).toThrow(ZipFormatError);
    const z = buildZip([{ name: 'a', data: 'x' }]);
    const cut = Buffer.from(z);
    cut.writeUInt32LE(0xfffff, cut.length - 6); // central directory offset far past the file
    expect(() => readDirectory(new BufferSource(cut), LIMITS)).toThrow(ZipFormatError);
    expect(() => readDirectory(new BufferSource(buildZip([{ name: 'a', data: 'x' }], { declaredCount: 5 })), LIMITS)).toThrow(/announces 5 entries/);
  });

  it('stops listing at the entry limit and refuses an oversized central directory', () => {
    const z = buildZip(Array.from({ length: 20 }, (_, i) => ({ name: `f${i}`, data: 'x' })));
    const d = readDirectory(new BufferSource(z), { ...LIMITS, maxEntries: 5 });
    expect(d.truncated).toBe(true);
    expect(d.entries).toHaveLength(5);
    expect(() => readDirectory(new BufferSource(z), { ...LIMITS, maxCentralDirectoryBytes: 100 })).toThrow(/central directory of \d+ bytes/);
  });
});

describe('zip scanner', () => {
  it('analyses a pickle under any name, deflated or stored', async () => {
    for (const method of [0, 8]) {
      const r = await scanBytes(buildZip([{ name: 'model/notes.txt', data: EVIL, method }]), 'm.zip');
      expect(globals(r)).toContain('os.system');
    }
  });

  it('reports flag bits and still analyses the stored bytes', async () => {
    for (const flags of [0x1, 0x20, 0x40]) {
      const r = await scanBytes(buildZip([{ name: 'archive/data.pkl', data: EVIL, flags }]), 'm.pt');
      expect(rules(r)).toContain('zip/flag-bits');
      expect(globals(r)).toContain('os.system');
    }
    const clean = await scanBytes(buildZip([{ name: 'archive/data.pkl', data: OK }]), 'm.pt');
    expect(clean.findings).toEqual([]);
    expect(clean.errors).toEqual([]);
  });

  it('reports a local-header name that differs from the central directory', async () => {
    const r = await scanBytes(buildZip([{ name: 'archive/data.pkl', localName: 'archive/datap.kl', data: OK }]), 'm.pt');
    expect(rules(r)).toEqual(['zip/header-mismatch']);
  });

  it('reports a bad CRC on a pickle member, but not on a text member', async () => {
    const r = await scanBytes(buildZip([{ name: 'archive/data.pkl', data: OK, crc: 1234 }]), 'm.pt');
    expect(rules(r)).toEqual(['zip/bad-crc']);
    const t = await scanBytes(buildZip([{ name: 'notes.txt', data: 'hello', crc: 1234 }]), 'm.zip');
    expect(t.findings).toEqual([]);
  });

  it('reports duplicate and case-colliding names and analyses every copy', async () => {
    for (const second of ['archive/data.pkl', 'archive/DATA.pkl']) {
      const r = await scanBytes(buildZip([{ name: 'archive/data.pkl', data: OK }, { name: second, data: EVIL }]), 'm.pt');
      expect(rules(r)).toContain('zip/duplicate-name');
      expect(globals(r)).toContain('os.system');
    }
  });

  it('scans both the leading pickle and the zip of a polyglot', async () => {
    const r = await scanBytes(buildZip([{ name: 'inner/data.pkl', data: EVIL }], { prefix: OK }), 'x.pkl');
    expect(r.formats).toEqual(['pickle', 'zip']);
    expect(rules(r)).toContain('zip/leading-data');
    expect(globals(r)).toContain('os.system');
  });

  it('fails closed on an unsupported compression method, and on bzip2 data that is not bzip2', async () => {
    for (const method of [93, 99, 6]) {
      const r = await scanBytes(buildZip([{ name: 'archive/data.pkl', data: EVIL, method }]), 'm.pt');
      expect(r.errors.map((e) => [e.kind, e.member])).toEqual([['unsupported', 'archive/data.pkl']]);
    }
    const r = await scanBytes(buildZip([{ name: 'archive/data.pkl', data: EVIL, method: 12 }]), 'm.pt');
    expect(r.errors.map((e) => [e.kind, e.member])).toEqual([['parse', 'archive/data.pkl']]);
  });

  it('reads LZMA members (method 14) as Python\'s zipfile does, with the size the directory declares', async () => {
    // A .lzma stream is the zip LZMA body with its header rebuilt: 5 properties bytes, 8 size bytes, data.
    const alone = readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'containers', 'malicious', 'compressed', 'evil.pkl.lzma'));
    const chunks: Buffer[] = [];
    decodeLzmaAlone(new BufferSource(alone), 0, alone.length, (c) => chunks.push(Buffer.from(c)) > 0, { maxWindow: 1 << 24 });
    const pickle = Buffer.concat(chunks);
    const body = Buffer.concat([Buffer.from([9, 20, 5, 0]), alone.subarray(0, 5), alone.subarray(13)]);
    const raw = (size: number) => buildZip([{ name: 'b.npy', data: body, method: 14, flags: 2, declaredSize: size, crc: crc32(pickle) }]);
    const r = await scanBytes(raw(pickle.length), 'm.npz');
    expect(r.errors).toEqual([]);
    expect(r.findings.map((f) => `${f.module}.${f.operator}`)).toContain('posix.system');
    // A directory that declares more than the stream holds: the payload is still found, the lie is an error.
    const lie = await scanBytes(raw(pickle.length + 10), 'm.npz');
    expect(lie.findings.map((f) => `${f.module}.${f.operator}`)).toContain('posix.system');
    expect(lie.errors.map((e) => e.member)).toEqual(['b.npy']);
    const bad = Buffer.from(body);
    bad.writeUInt16LE(4, 2);
    const odd = await scanBytes(buildZip([{ name: 'b.npy', data: bad, method: 14 }]), 'm.npz');
    expect(odd.errors.map((e) => e.message)).toEqual([expect.stringMatching(/declares 4 bytes of properties/)]);
  });

  it('reports zip slip names and symlinks, naming the member', async () => {
    for (const name of ['../../.bashrc', '/etc/x', '..\\..\\x', 'C:/x']) {
      const r = await scanBytes(buildZip([{ name, data: 'x' }]), 'a.zip');
      expect(r.findings.map((f) => [f.rule, f.location?.member])).toEqual([['archive/path-traversal', name]]);
    }
    const s = await scanBytes(buildZip([{ name: 'link', data: '/etc/passwd', unixMode: 0o120777 }]), 'a.zip');
    expect(rules(s)).toEqual(['archive/symlink']);
  });

  it('reports a declared bomb without inflating it, and stops a real one at the ratio', async () => {
    const declared = await scanBytes(buildZip([{ name: 'big', data: Buffer.alloc(1000), method: 8, declaredSize: 0xfffffff0 }]), 'a.zip');
    expect(rules(declared)).toEqual(['archive/compression-bomb']);
    const limits: Limits = { ...DEFAULT_LIMITS, archive: { ...LIMITS, ratioFloor: 1 << 20, maxRatio: 100 } };
    const real = await scanBytes(buildZip([{ name: 'zeros', data: Buffer.alloc(8 << 20), method: 8, declaredSize: 10 }]), 'a.zip', { limits });
    expect(rules(real)).toEqual(['archive/compression-bomb']);
    expect(real.errors[0]?.kind).toBe('limit');
  });

  it('caps the output of one member and of the whole artifact', async () => {
    const limits: Limits = { ...DEFAULT_LIMITS, archive: { ...LIMITS, maxMemberOutput: 1000 } };
    const r = await scanBytes(buildZip([{ name: 'a.pkl', data: Buffer.alloc(5000, 0x4e), method: 8 }]), 'a.zip', { limits });
    expect(r.errors.map((e) => e.kind)).toEqual(['limit']);
    const budget: Limits = { ...DEFAULT_LIMITS, archive: { ...LIMITS, maxTotalDecompressed: 3000 } };
    const many = await scanBytes(buildZip(Array.from({ length: 4 }, (_, i) => ({ name: `m${i}.txt`, data: Buffer.alloc(1000, 0x41), method: 8 }))), 'a.zip', { limits: budget });
    expect(many.errors.map((e) => [e.kind, e.member])).toEqual([['limit', 'm3.txt']]);
  });

  it('reports the entry limit as an error', async () => {
    const limits: Limits = { ...DEFAULT_LIMITS, archive: { ...LIMITS, maxEntries: 3 } };
    const r = await scanBytes(buildZip(Array.from({ length: 10 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' }))), 'a.zip', { limits });
    expect(r.errors.map((e) => [e.kind, e.member])).toEqual([['limit', 'f3.txt']]);
  });

  it('an unreadable archive is an error, never clean', async () => {
    const z = buildZip([{ name: 'a.pkl', data: OK }]);
    const broken = Buffer.from(z);
    broken.writeUInt32LE(0x12345678, 0); // the local header signature
    const r = await scanBytes(broken, 'a.zip');
    expect(r.errors.length).toBeGreaterThan(0);
  });
});

describe('zip found only by its end record', () => {
  it('a stray end-record signature in pickle data is not an archive', async () => {
    const stray = Buffer.concat([OK, Buffer.from('PK\x05\x06'), Buffer.alloc(18)]);
    const r = await scanBytes(stray, 'x.pkl');
    expect(r.errors.filter((e) => e.scanner === 'zip')).toEqual([]);
  });
});

describe('members of formats this version cannot scan', () => {
  it('are an unsupported error naming the member, never a clean archive', async () => {
    const sevenZip = Buffer.concat([Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]), Buffer.alloc(100)]);
    const r = await scanBytes(buildZip([{ name: 'weights.7z', data: sevenZip }, { name: 'config.json', data: '{}' }]), 'm.zip');
    expect(r.errors.map((e) => [e.kind, e.member])).toEqual([['unsupported', 'weights.7z']]);
  });

  it('a compressed member that does not decompress is an error naming it and its codec', async () => {
    const bz2 = Buffer.concat([Buffer.from('BZh91AY&SY', 'latin1'), Buffer.alloc(100)]);
    const r = await scanBytes(buildZip([{ name: 'weights.bz2', data: bz2 }, { name: 'config.json', data: '{}' }]), 'm.zip');
    expect(r.errors.map((e) => [e.kind, e.member])).toEqual([['parse', 'weights.bz2:bunzip2']]);
  });

  it('a member of a scanned format that is broken is an error naming the member', async () => {
    const hdf5 = Buffer.concat([Buffer.from('\x89HDF\r\n\x1a\n', 'latin1'), Buffer.alloc(100)]);
    const r = await scanBytes(buildZip([{ name: 'weights.h5', data: hdf5 }, { name: 'notes.txt', data: 'hello' }]), 'm.zip');
    expect(r.errors.map((e) => e.member)).toEqual(['weights.h5']);
  });
});
