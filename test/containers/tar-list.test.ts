/**
 * listTar reads member headers where Python's tarfile reads them: no data skipped after links, directories and
 * devices, 'X' and 'g' pax headers applied, a signed checksum accepted. Headers are built by hand here.
 */
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { listTar } from '../../src/containers/tar.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { buildZip } from '../helpers/zip-build.js';

function header(name: string, type: string, size: number, signedChecksum = false): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write(type, 156, 'latin1');
  if (signedChecksum) h[99] = 0xff; // a byte >= 128 makes the signed and unsigned sums differ
  h.fill(0x20, 148, 156);
  let unsigned = 0;
  let signed = 0;
  for (const b of h) {
    unsigned += b;
    signed += b < 128 ? b : b - 256;
  }
  h.write((signedChecksum ? signed : unsigned).toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
  return h;
}
const block = (data: Buffer) => Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const pax = (records: Record<string, string>) =>
  block(Buffer.from(Object.entries(records).map(([k, v]) => {
    const body = ` ${k}=${v}\n`;
    let n = body.length + 1;
    while (`${n}${body}`.length !== n) n++;
    return `${n}${body}`;
  }).join('')));
const names = (tar: Buffer) => listTar(new BufferSource(Buffer.concat([tar, Buffer.alloc(1024)])), 100).members.map((m) => `${m.type}:${m.name}`);

describe('listTar, as tarfile lists members', () => {
  it('reads the next header right after a directory or link, whatever its size field says', () => {
    // A directory declaring 1024 bytes of "data": tarfile finds the member hidden there.
    const tar = Buffer.concat([header('dir/', '5', 1024), header('hidden.pkl', '0', 5), block(Buffer.from('data.')), header('after', '0', 0)]);
    expect(names(tar)).toEqual(['5:dir/', '0:hidden.pkl', '0:after']);
    const link = Buffer.concat([header('l', '2', 512), header('hidden.pkl', '0', 0)]);
    expect(names(link)).toEqual(['2:l', '0:hidden.pkl']);
  });

  it("applies Solaris 'X' headers like 'x', and global 'g' headers to every later member", () => {
    const x = pax({ path: 'renamed.pkl' });
    expect(names(Buffer.concat([header('./PaxHeaders/a', 'X', 512), x, header('a', '0', 0)]))).toEqual(['0:renamed.pkl']);
    const g = pax({ path: 'everyone.pkl' });
    expect(names(Buffer.concat([header('glob', 'g', 512), g, header('a', '0', 0), header('b', '0', 0)]))).toEqual(['0:everyone.pkl', '0:everyone.pkl']);
  });

  it("reads a pax size as Python's int() does (spaces, sign, underscores), and as 0 where int() fails", () => {
    for (const size of [' 1024', '+1024', '1_024', '1024 ']) {
      const tar = Buffer.concat([header('./PaxHeaders/a', 'x', 512), pax({ size }), header('a', '0', 0), block(Buffer.alloc(1024, 0x41)), header('next.pkl', '0', 0)]);
      expect(names(tar), JSON.stringify(size)).toEqual(['0:a', '0:next.pkl']);
    }
    const bad = Buffer.concat([header('./PaxHeaders/a', 'x', 512), pax({ size: '12x' }), header('a', '0', 0), header('next.pkl', '0', 0)]);
    expect(names(bad)).toEqual(['0:a', '0:next.pkl']);
  });

  it('a pax size past the end of the file is an error, not a short member', () => {
    const tar = Buffer.concat([header('./PaxHeaders/a', 'x', 512), pax({ size: '99999999' }), header('a', '0', 0), Buffer.alloc(1024)]);
    expect(() => listTar(new BufferSource(tar), 100)).toThrow(/runs past the end of the file \(pax size 99999999\)/);
  });

  it('steps over the extension blocks of an old GNU sparse map, and marks the member sparse', () => {
    const sparse = header('s.bin', 'S', 512);
    sparse[482] = 1; // an extension block follows
    // Re-sum: the header changed after its checksum was written.
    sparse.fill(0x20, 148, 156);
    sparse.write(sparse.reduce((a, b) => a + b, 0).toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    const ext = Buffer.alloc(512); // no further block (byte 504 is 0)
    const tar = Buffer.concat([sparse, ext, block(Buffer.alloc(512, 0x42)), header('after.pkl', '0', 0)]);
    const listed = listTar(new BufferSource(Buffer.concat([tar, Buffer.alloc(1024)])), 100).members;
    expect(listed.map((m) => [m.name, m.sparse === true, m.dataOffset])).toEqual([['s.bin', true, 1024], ['after.pkl', false, 2048]]);
  });

  it('a sparse member is an unsupported error for the scanner, never clean', async () => {
    const tar = Buffer.concat([header('model.pkl', 'S', 512), block(Buffer.from('\x80\x04N.', 'latin1')), Buffer.alloc(1024)]);
    const r = await scanBytes(tar, 'x.tar');
    expect(r.errors.map((e) => `${e.kind} ${e.member}`)).toEqual(['unsupported model.pkl']);
  });

  it('a zip packed as a tar member is not "data before a zip" (the member is scanned as a zip)', async () => {
    const zip = buildZip([{ name: 'archive/data.pkl', data: Buffer.from('\x80\x02}.', 'latin1') }, { name: 'archive/version', data: '3\n' }]);
    const tar = Buffer.concat([header('notes.txt', '0', 3), block(Buffer.from('hi\n')), header('model.pt', '0', zip.length), block(zip), Buffer.alloc(1024)]);
    const r = await scanBytes(tar, 'models.tar');
    expect(r.formats).toEqual(['tar', 'zip']);
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([]);
    // The same zip behind bytes that are no tar is still data before the archive.
    const prefixed = await scanBytes(Buffer.concat([Buffer.alloc(1536, 0x41), zip]), 'x.bin');
    expect(prefixed.findings.map((f) => f.rule)).toContain('zip/leading-data');
  });

  it('accepts a checksum written as the signed byte sum, as tarfile does', () => {
    expect(names(header('signed', '0', 0, true))).toEqual(['0:signed']);
  });
});
