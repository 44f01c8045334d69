/** The zip reader and scanner on hand-built adversarial archives (test/helpers/zip-build.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { decodeLzmaAlone } from '../../src/containers/lzma.js';
import { readDirectories, readDirectory, readLocalHeader, ZipFormatError, type ZipDirectory } from '../../src/containers/zip/reader.js';
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
    // miniz refuses it; zipfile reads the directory before the end record and shifts offsets before the file.
    const far = readDirectories(new BufferSource(cut), LIMITS);
    expect(far.miniz).toBeInstanceOf(ZipFormatError);
    expect((far.zipfile as ZipDirectory).entries[0]!.localHeaderOffset).toBeLessThan(0);
    expect(() => readLocalHeader(new BufferSource(cut), (far.zipfile as ZipDirectory).entries[0]!)).toThrow(ZipFormatError);
    // miniz checks the count; zipfile walks the directory's bytes and does not.
    const counted = readDirectories(new BufferSource(buildZip([{ name: 'a', data: 'x' }], { declaredCount: 5 })), LIMITS);
    expect(String(counted.miniz)).toMatch(/announces 5 entries/);
    expect(counted.zipfile).not.toBeInstanceOf(ZipFormatError);
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

/** Hand-assembled pieces for archives whose end records lie (buildZip writes only honest ones). */
function lfh(name: string, data: Buffer): { bytes: Buffer; name: Buffer; data: Buffer } {
  const n = Buffer.from(name);
  const h = Buffer.alloc(30);
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt32LE(crc32(data) >>> 0, 14);
  h.writeUInt32LE(data.length, 18);
  h.writeUInt32LE(data.length, 22);
  h.writeUInt16LE(n.length, 26);
  return { bytes: Buffer.concat([h, n, data]), name: n, data };
}
function cdh(m: { name: Buffer; data: Buffer }, offset: number): Buffer {
  const h = Buffer.alloc(46);
  h.writeUInt32LE(0x02014b50, 0);
  h.writeUInt16LE(20, 4);
  h.writeUInt16LE(20, 6);
  h.writeUInt32LE(crc32(m.data) >>> 0, 16);
  h.writeUInt32LE(m.data.length, 20);
  h.writeUInt32LE(m.data.length, 24);
  h.writeUInt16LE(m.name.length, 28);
  h.writeUInt32LE(offset, 42);
  return Buffer.concat([h, m.name]);
}
function eocd(count: number, cdSize: number, cdOffset: number, comment: Buffer = Buffer.alloc(0), commentLen = comment.length): Buffer {
  const h = Buffer.alloc(22);
  h.writeUInt32LE(0x06054b50, 0);
  h.writeUInt16LE(count, 8);
  h.writeUInt16LE(count, 10);
  h.writeUInt32LE(cdSize, 12);
  h.writeUInt32LE(cdOffset, 16);
  h.writeUInt16LE(commentLen, 20);
  return Buffer.concat([h, comment]);
}
function z64(count: number, cdSize: number, cdOffset: number): Buffer {
  const r = Buffer.alloc(56);
  r.writeUInt32LE(0x06064b50, 0);
  r.writeBigUInt64LE(44n, 4);
  r.writeBigUInt64LE(BigInt(count), 24);
  r.writeBigUInt64LE(BigInt(count), 32);
  r.writeBigUInt64LE(BigInt(cdSize), 40);
  r.writeBigUInt64LE(BigInt(cdOffset), 48);
  return r;
}
function z64locator(recordAt: number): Buffer {
  const l = Buffer.alloc(20);
  l.writeUInt32LE(0x07064b50, 0);
  l.writeBigUInt64LE(BigInt(recordAt), 8);
  l.writeUInt32LE(1, 16);
  return l;
}
/** Appends members and returns [bytes so far, offsets]. */
function pack(parts: Buffer[]): { bytes: Buffer; at: number[] } {
  const at: number[] = [];
  let n = 0;
  for (const p of parts) {
    at.push(n);
    n += p.length;
  }
  return { bytes: Buffer.concat(parts), at };
}
const names = (d: ZipDirectory | ZipFormatError) => (d instanceof ZipFormatError ? d.message : d.entries.map((e) => `${e.name}@${e.localHeaderOffset}`));

describe('zip end records read as torch (miniz) and Python\'s zipfile read them', () => {
  it('takes the last end record with 22 bytes after it even when its comment runs past the end of the file', async () => {
    // A benign directory whose end record's comment holds an evil directory and a second end record claiming a
    // 65,535-byte comment: both miniz and zipfile use the second (zipfile truncates the comment).
    for (const evil of [true, false]) {
      const pkl = lfh('archive/data.pkl', evil ? EVIL : OK);
      const ok = lfh('archive/data.pkl', OK);
      const ver = lfh('archive/version', Buffer.from('3\n'));
      const { bytes: body, at } = pack([ok.bytes, ver.bytes, pkl.bytes]);
      const cd1 = Buffer.concat([cdh(ok, at[0]!), cdh(ver, at[1]!)]);
      const cd2 = Buffer.concat([cdh(pkl, at[2]!), cdh(ver, at[1]!)]);
      const cd1At = body.length;
      const cd2At = cd1At + cd1.length + 22;
      const z = Buffer.concat([body, cd1, eocd(2, cd1.length, cd1At, Buffer.concat([cd2, eocd(2, cd2.length, cd2At, Buffer.alloc(0), 0xffff)]))]);
      const d = readDirectories(new BufferSource(z), LIMITS);
      expect(names(d.miniz)).toEqual([`archive/data.pkl@${at[2]}`, `archive/version@${at[1]}`]);
      expect(d.agree).toBe(true);
      const r = await scanBytes(z, 'm.pt');
      expect(globals(r)).toEqual(evil ? ['os.system'] : []);
      expect(r.errors).toEqual([]);
    }
  });

  it('skips a signature with fewer than 22 bytes after it (miniz), which zipfile refuses', () => {
    const z = buildZip([{ name: 'a/data.pkl', data: OK }]);
    const comment = Buffer.from('PK\x05\x06abc', 'latin1');
    const withComment = Buffer.concat([z.subarray(0, z.length - 2), Buffer.from([comment.length, 0]), comment]);
    const d = readDirectories(new BufferSource(withComment), LIMITS);
    expect(names(d.miniz)).toEqual(['a/data.pkl@0']);
    expect(names(d.zipfile)).toMatch(/cut short/);
  });

  it('follows the ZIP64 locator\'s offset (miniz) and the record before the locator (zipfile): both are analysed and the disagreement is HIGH', async () => {
    for (const evil of [true, false]) {
      const a = lfh('archive/data.pkl', evil ? EVIL : OK);
      const b = lfh('archive/data.pkl', OK);
      const ver = lfh('archive/version', Buffer.from('3\n'));
      const { bytes: body, at } = pack([a.bytes, b.bytes, ver.bytes]);
      const cdA = Buffer.concat([cdh(a, at[0]!), cdh(ver, at[2]!)]);
      const cdB = Buffer.concat([cdh(b, at[1]!), cdh(ver, at[2]!)]);
      const cdAAt = body.length;
      const recA = cdAAt + cdA.length;
      const cdBAt = recA + 56;
      const z = Buffer.concat([body, cdA, z64(2, cdA.length, cdAAt), cdB, z64(2, cdB.length, cdBAt), z64locator(recA), eocd(0xffff, 0xffffffff, 0xffffffff)]);
      const d = readDirectories(new BufferSource(z), LIMITS);
      expect(names(d.miniz)).toEqual([`archive/data.pkl@${at[0]}`, `archive/version@${at[2]}`]);
      expect(names(d.zipfile)).toEqual([`archive/data.pkl@${at[1]}`, `archive/version@${at[2]}`]);
      const r = await scanBytes(z, 'm.pt');
      expect(r.findings.filter((f) => f.rule === 'zip/reader-disagreement').map((f) => f.severity)).toEqual(['HIGH']);
      expect(globals(r).filter((g) => g === 'os.system')).toEqual(evil ? ['os.system'] : []);
      expect(rules(r)).not.toContain('zip/duplicate-name');
    }
    // An honest ZIP64 archive: the locator points at the record right before it, one directory.
    const honest = await scanBytes(buildZip([{ name: 'a/data.pkl', data: OK }], { zip64: true }), 'm.pt');
    expect(honest.findings).toEqual([]);
  });

  it('reads the directory where a lying offset puts it for miniz, and where zipfile finds it: HIGH, not leading data', async () => {
    const evilPkl = lfh('archive/data.pkl', EVIL);
    const ver = lfh('archive/version', Buffer.from('3\n'));
    const okPkl = lfh('archive/data.pkl', OK);
    const ver2 = lfh('archive/version', Buffer.from('3\n'));
    const { bytes: body, at } = pack([Buffer.alloc(200), evilPkl.bytes, ver.bytes, okPkl.bytes, ver2.bytes]);
    at.shift();
    const cdA = Buffer.concat([cdh(evilPkl, at[0]!), cdh(ver, at[1]!)]);
    const shift = cdA.length; // zipfile reads cdB (right before the end record) and adds this to its offsets
    const cdB = Buffer.concat([cdh(okPkl, at[2]! - shift), cdh(ver2, at[3]! - shift)]);
    const z = Buffer.concat([body, cdA, cdB, eocd(2, cdB.length, body.length)]);
    const d = readDirectories(new BufferSource(z), LIMITS);
    expect(names(d.miniz)).toEqual([`archive/data.pkl@${at[0]}`, `archive/version@${at[1]}`]);
    expect(names(d.zipfile)).toEqual([`archive/data.pkl@${at[2]}`, `archive/version@${at[3]}`]);
    const r = await scanBytes(z, 'm.pt');
    expect(globals(r)).toContain('os.system');
    expect(r.findings.find((f) => f.rule === 'zip/reader-disagreement')?.severity).toBe('HIGH');
    expect(rules(r)).not.toContain('zip/leading-data');
    // Data really before the archive: miniz reads no directory there, zipfile does; leading data, MEDIUM.
    const prefixed = await scanBytes(buildZip([{ name: 'x/data.pkl', data: OK }], { prefix: 'junk bytes' }), 'm.zip');
    expect(prefixed.findings.map((f) => `${f.severity}:${f.rule}`)).toEqual(['MEDIUM:zip/leading-data']);
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

describe('the end record, as far from the end as each reader looks', () => {
  // Deflated, so that no search of the bytes after the leading pickle sees the payload without the directory.
  const zip = buildZip([{ name: 'archive/data.pkl', data: EVIL, method: 8 }, { name: 'archive/version', data: '3\n' }]);

  it("zipfile's reach: (1 << 16) + 22 bytes from the end, behind a pickle", async () => {
    const r = await scanBytes(Buffer.concat([OK, zip, Buffer.alloc(0x10000, 0x20)]), 'model.pkl');
    expect(globals(r)).toContain('os.system');
  });

  it("miniz's reach: 17 chunks of 4096 bytes, 4093 apart, from the end", async () => {
    const r = await scanBytes(Buffer.concat([zip, Buffer.alloc(69_000, 0x20)]), 'model.pt');
    expect(globals(r)).toContain('os.system');
    // Beyond both, no reader finds an archive: an error, never clean.
    const far = await scanBytes(Buffer.concat([zip, Buffer.alloc(70_000, 0x20)]), 'model.pt');
    expect(far.errors.map((e) => e.message).join()).toMatch(/zip archive cannot be read/);
  });
});

describe('pickles hidden in tensor storages (defense in depth: torch never unpickles storages)', () => {
  const archive = (storage: Buffer) =>
    buildZip([{ name: 'archive/data.pkl', data: OK }, { name: 'archive/data/0', data: storage }, { name: 'archive/version', data: '3\n' }]);

  it('finds a protocol 0 pickle as well as a binary one at the start of a storage', async () => {
    const text = Buffer.from("cposix\nsystem\n(S'echo x'\ntR.", 'latin1');
    for (const hidden of [text, EVIL]) {
      const r = await scanBytes(archive(Buffer.concat([hidden, Buffer.alloc(4096)])), 'model.pt');
      expect(globals(r), hidden.toString('latin1')).toContain(hidden === text ? 'posix.system' : 'os.system');
    }
  });

  it('tensor bytes that begin with an opcode are no finding and no error', async () => {
    // float32 1.0 is 00 00 80 3f; here data starting with MARK, then values no unpickler gets far with.
    const floats = Buffer.alloc(4096);
    for (let i = 0; i < floats.length; i += 4) floats.writeFloatLE(Math.sin(i) * 1e-3, i);
    floats[0] = 0x28;
    const r = await scanBytes(archive(floats), 'model.pt');
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([]);
  });
});
