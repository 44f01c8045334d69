/**
 * A tiny zip writer for tests: every field a reader might trust can be set to a lie (local name, flags,
 * method, CRC, declared sizes), data can be prefixed, and ZIP64 end records can be forced.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface BuildEntry {
  name: string;
  data: Buffer | string;
  /** 0 stored (default), 8 deflate; any other number is written as is (data stored). */
  method?: number;
  flags?: number;
  /** Name in the local header when it should differ from the central directory's. */
  localName?: string;
  crc?: number;
  declaredSize?: number;
  /** Unix mode in the external attributes (made by unix). */
  unixMode?: number;
}

export interface BuildOptions {
  prefix?: Buffer | string;
  zip64?: boolean;
  /** Entry count written in the end record (default: the real count). */
  declaredCount?: number;
}

export function buildZip(entries: BuildEntry[], opts: BuildOptions = {}): Buffer {
  const prefix = opts.prefix === undefined ? Buffer.alloc(0) : Buffer.from(opts.prefix);
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const raw = Buffer.from(e.data);
    const method = e.method ?? 0;
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const name = Buffer.from(e.name);
    const lname = Buffer.from(e.localName ?? e.name);
    const crc = e.crc ?? crc32(raw);
    const usize = e.declaredSize ?? raw.length;
    const lfh = Buffer.alloc(30);
    lfh.writeUInt32LE(0x04034b50, 0);
    lfh.writeUInt16LE(20, 4);
    lfh.writeUInt16LE(e.flags ?? 0, 6);
    lfh.writeUInt16LE(method, 8);
    lfh.writeUInt32LE(crc >>> 0, 14);
    lfh.writeUInt32LE(body.length, 18);
    lfh.writeUInt32LE(usize, 22);
    lfh.writeUInt16LE(lname.length, 26);
    locals.push(lfh, lname, body);
    const cdh = Buffer.alloc(46);
    cdh.writeUInt32LE(0x02014b50, 0);
    cdh.writeUInt16LE(e.unixMode !== undefined ? (3 << 8) | 20 : 20, 4);
    cdh.writeUInt16LE(20, 6);
    cdh.writeUInt16LE(e.flags ?? 0, 8);
    cdh.writeUInt16LE(method, 10);
    cdh.writeUInt32LE(crc >>> 0, 16);
    cdh.writeUInt32LE(body.length, 20);
    cdh.writeUInt32LE(usize, 24);
    cdh.writeUInt16LE(name.length, 28);
    cdh.writeUInt32LE(e.unixMode !== undefined ? (e.unixMode << 16) >>> 0 : 0, 38);
    cdh.writeUInt32LE(opts.zip64 ? 0xffffffff : offset, 42);
    let extra = Buffer.alloc(0);
    if (opts.zip64) {
      extra = Buffer.alloc(12);
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(8, 2);
      extra.writeBigUInt64LE(BigInt(offset), 4);
      cdh.writeUInt16LE(12, 30);
    }
    centrals.push(cdh, name, extra);
    offset += 30 + lname.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const count = opts.declaredCount ?? entries.length;
  const tail: Buffer[] = [];
  if (opts.zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeBigUInt64LE(BigInt(count), 24);
    rec.writeBigUInt64LE(BigInt(count), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(offset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(rec, loc);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(opts.zip64 ? 0xffff : count, 8);
  eocd.writeUInt16LE(opts.zip64 ? 0xffff : count, 10);
  eocd.writeUInt32LE(opts.zip64 ? 0xffffffff : cd.length, 12);
  eocd.writeUInt32LE(opts.zip64 ? 0xffffffff : offset, 16);
  tail.push(eocd);
  return Buffer.concat([prefix, ...locals, cd, ...tail]);
}
