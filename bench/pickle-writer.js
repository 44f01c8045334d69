// Writes the benchmark pickles the way CPython's protocol 4/5 pickler lays them out (frames, memoised keys,
// batched SETITEMS/APPENDS), without needing Python on the machine.
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';

class FramedWriter {
  constructor(fd) {
    this.fd = fd;
    this.frame = [];
    this.frameLen = 0;
    this.written = 0;
  }
  op(buf) {
    this.frame.push(buf);
    this.frameLen += buf.length;
    if (this.frameLen >= 64 * 1024) this.flushFrame();
  }
  flushFrame() {
    if (this.frameLen === 0) return;
    const head = Buffer.alloc(9);
    head[0] = 0x95;
    head.writeBigUInt64LE(BigInt(this.frameLen), 1);
    const all = Buffer.concat([head, ...this.frame]);
    writeSync(this.fd, all);
    this.written += all.length;
    this.frame = [];
    this.frameLen = 0;
  }
}

const u8 = (...b) => Buffer.from(b);
function shortStr(s) {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([u8(0x8c, b.length), b, u8(0x94)]);
}
function getMemo(i) {
  if (i < 256) return u8(0x68, i);
  const b = Buffer.alloc(5);
  b[0] = 0x6a;
  b.writeUInt32LE(i, 1);
  return b;
}

/** (a) `pickle.dumps([{'id': i, 'score': float(i), 'tag': 'x', 'name': f'item{i}'} for i in range(n)], 4)`. */
export function writeDictList(path, n) {
  const fd = openSync(path, 'w');
  const w = new FramedWriter(fd);
  writeSync(fd, u8(0x80, 4));
  let memo = 0;
  w.op(u8(0x5d, 0x94)); // EMPTY_LIST MEMOIZE
  memo++;
  const keys = {};
  for (let i = 0; i < n; i++) {
    if (i % 1000 === 0) w.op(u8(0x28)); // MARK for APPENDS batch
    w.op(u8(0x7d, 0x94, 0x28)); // EMPTY_DICT MEMOIZE MARK
    memo++;
    for (const [k, v] of [
      ['id', 'int'],
      ['score', 'float'],
      ['tag', 'x'],
      ['name', 'name'],
    ]) {
      if (keys[k] === undefined) {
        w.op(shortStr(k));
        keys[k] = memo++;
      } else w.op(getMemo(keys[k]));
      if (v === 'int') {
        const b = Buffer.alloc(5);
        b[0] = 0x4a;
        b.writeInt32LE(i, 1);
        w.op(b);
      } else if (v === 'float') {
        const b = Buffer.alloc(9);
        b[0] = 0x47;
        b.writeDoubleBE(i, 1);
        w.op(b);
      } else if (v === 'x') {
        if (keys.__x === undefined) {
          w.op(shortStr('x'));
          keys.__x = memo++;
        } else w.op(getMemo(keys.__x));
      } else {
        w.op(shortStr(`item${i}`));
        memo++;
      }
    }
    w.op(u8(0x75)); // SETITEMS
    if (i % 1000 === 999 || i === n - 1) w.op(u8(0x65)); // APPENDS
  }
  w.op(u8(0x2e)); // STOP
  w.flushFrame();
  closeSync(fd);
  return w.written + 2;
}

/**
 * (b) A protocol 5 pickle of a float32 array whose data is `bytes` long, as numpy writes it in band:
 * numpy.core.numeric._frombuffer(bytearray(data), dtype('f4'), (n,), 'C'). The data region is left as a
 * sparse hole: the scanner must skip it without reading it, so its content does not matter.
 */
export function writeBigArray(path, bytes) {
  const fd = openSync(path, 'w');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(bytes));
  const head = Buffer.concat([
    u8(0x80, 5),
    Buffer.from('cnumpy.core.numeric\n_frombuffer\n', 'latin1'),
    u8(0x94, 0x28, 0x96), // MEMOIZE MARK BYTEARRAY8
    len,
  ]);
  writeSync(fd, head);
  const count = Buffer.alloc(5);
  count[0] = 0x4a;
  count.writeInt32LE(Math.floor(bytes / 4), 1);
  const tail = Buffer.concat([
    Buffer.from('cnumpy\ndtype\n', 'latin1'),
    shortStr('f4'),
    u8(0x89, 0x88, 0x87, 0x52), // NEWFALSE NEWTRUE TUPLE3 REDUCE: dtype('f4', False, True)
    count,
    u8(0x85), // TUPLE1: the shape
    shortStr('C'),
    u8(0x74, 0x52, 0x2e), // TUPLE (from MARK) REDUCE STOP
  ]);
  ftruncateSync(fd, head.length + bytes);
  writeSync(fd, tail, 0, tail.length, head.length + bytes);
  closeSync(fd);
  return head.length + bytes + tail.length;
}

/**
 * A small pickle followed by `bytes` of pseudo-random data (seeded, so every run measures the same bytes):
 * what `pickle.dump(meta, f); f.write(raw)` leaves. The scanner searches the data after STOP for hidden
 * pickles, offset by offset, up to its limit (4 MiB by default).
 */
export function writePickleThenNoise(path, bytes) {
  const noise = Buffer.alloc(bytes);
  let s = 0x9e3779b9;
  for (let i = 0; i < bytes; i += 4) {
    // mulberry32
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    noise.writeUInt32LE((t ^ (t >>> 14)) >>> 0, i);
  }
  const fd = openSync(path, 'w');
  writeSync(fd, u8(0x80, 0x04, 0x4e, 0x2e)); // PROTO 4, NONE, STOP
  writeSync(fd, noise);
  closeSync(fd);
  return 4 + bytes;
}
