// Container benchmarks (issue 3): a 2 GiB torch.save checkpoint with 2,000 tensors, a 1 GiB .npy and a
// 512 MiB joblib file, generated here in JS (no Python needed) under bench/.work. Each is scanned by the
// real CLI in a fresh process; wall time and peak RSS are those of the whole process.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import { cliEnv } from './node-env.js';

const u8 = (...b) => Buffer.from(b);
const u32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const u64 = (n) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
};
const sbu = (s) => {
  const b = Buffer.from(s);
  return Buffer.concat([u8(0x8c, b.length), b]);
};
const global = (m, n) => Buffer.from(`c${m}\n${n}\n`);
const binint = (n) => Buffer.concat([u8(0x4a), (() => { const b = Buffer.alloc(4); b.writeInt32LE(n); return b; })()]);

/**
 * data.pkl of `torch.save(OrderedDict(('layer{i}.weight', tensor) …))` as torch's pickler lays it out
 * (protocol 2, globals and repeated strings memoised and fetched back with BINGET/LONG_BINGET).
 */
function torchDataPkl(n, numel) {
  let memo = 0;
  const memos = new Map();
  const put = () => {
    const i = memo++;
    return i < 256 ? u8(0x71, i) : Buffer.concat([u8(0x72), u32(i)]);
  };
  const get = (i) => (i < 256 ? u8(0x68, i) : Buffer.concat([u8(0x6a), u32(i)]));
  const once = (key, bytes) => {
    if (memos.has(key)) return get(memos.get(key));
    memos.set(key, memo);
    return Buffer.concat([bytes, put()]);
  };
  const parts = [u8(0x80, 0x02), once('od', global('collections', 'OrderedDict')), u8(0x29, 0x52), put(), u8(0x28)];
  for (let i = 0; i < n; i++) {
    parts.push(sbu(`layer${i}.weight`), put());
    parts.push(once('rebuild', global('torch._utils', '_rebuild_tensor_v2')));
    parts.push(u8(0x28)); // MARK of the args tuple
    // persistent id ('storage', torch.FloatStorage, key, 'cpu', numel)
    parts.push(u8(0x28), once('storage', sbu('storage')), once('fs', global('torch', 'FloatStorage')), sbu(String(i)), put(), once('cpu', sbu('cpu')), binint(numel), u8(0x74), put(), u8(0x51));
    parts.push(binint(0), binint(numel), u8(0x85), put(), binint(1), u8(0x85), put(), u8(0x89)); // offset, size, stride, requires_grad
    parts.push(once('od', global('collections', 'OrderedDict')), u8(0x29, 0x52), put()); // backward hooks
    parts.push(u8(0x74), put(), u8(0x52), put()); // TUPLE REDUCE
  }
  parts.push(u8(0x75, 0x2e)); // SETITEMS STOP
  return Buffer.concat(parts);
}

/**
 * Closes a generated input once its bytes are on disk: right after writing gigabytes, the kernel's write-back
 * of them competes for this 2-core machine's CPUs with the scan being measured (~50 ms on the checkpoint).
 */
function done(fd) {
  fsyncSync(fd);
  closeSync(fd);
}

/** A stored-only zip written member by member; `bodies` yields [name, size, writeFn(fd), crc]. */
function writeZip(path, members) {
  const fd = openSync(path, 'w');
  let offset = 0;
  const central = [];
  for (const m of members) {
    const name = Buffer.from(m.name);
    const lfh = Buffer.concat([u32(0x04034b50), u8(20, 0, 0, 0, 0, 0), u32(0), u32(m.crc), u32(m.size), u32(m.size), u8(name.length, 0, 0, 0), name]);
    writeSync(fd, lfh);
    m.write(fd);
    central.push(Buffer.concat([u32(0x02014b50), u8(20, 0, 20, 0, 0, 0, 0, 0), u32(0), u32(m.crc), u32(m.size), u32(m.size), u8(name.length, 0, 0, 0, 0, 0, 0, 0, 0, 0), u32(0), u32(offset), name]));
    offset += lfh.length + m.size;
  }
  const cd = Buffer.concat(central);
  writeSync(fd, cd);
  writeSync(fd, Buffer.concat([u32(0x06054b50), u8(0, 0, 0, 0), Buffer.from([members.length & 0xff, members.length >> 8, members.length & 0xff, members.length >> 8]), u32(cd.length), u32(offset), u8(0, 0)]));
  done(fd);
}

function writeCheckpoint(path, tensors, bytesEach) {
  const pkl = torchDataPkl(tensors, bytesEach / 4);
  const block = Buffer.alloc(bytesEach);
  const blockCrc = crc32(block) >>> 0;
  const members = [{ name: 'archive/data.pkl', size: pkl.length, crc: crc32(pkl) >>> 0, write: (fd) => writeSync(fd, pkl) }];
  for (let i = 0; i < tensors; i++) members.push({ name: `archive/data/${i}`, size: bytesEach, crc: blockCrc, write: (fd) => writeSync(fd, block) });
  members.push({ name: 'archive/version', size: 2, crc: crc32(Buffer.from('3\n')) >>> 0, write: (fd) => writeSync(fd, Buffer.from('3\n')) });
  writeZip(path, members);
}

function writeNpy(path, bytes) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${bytes / 4},), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.concat([Buffer.from('\x93NUMPY', 'latin1'), u8(1, 0), Buffer.from([header.length & 0xff, header.length >> 8])]);
  const fd = openSync(path, 'w');
  writeSync(fd, Buffer.concat([pre, Buffer.from(header, 'latin1')]));
  ftruncateSync(fd, pre.length + header.length + bytes); // sparse: the scanner must not read it anyway
  done(fd);
}

/**
 * joblib.dump({'a0': array, …, 'tail': [...]}) as joblib 1.2 lays it out: per array a NumpyArrayWrapper
 * BUILD, the padding byte + 0xFF padding, the raw bytes; the pickle continues after each.
 */
function writeJoblib(path, arrays, bytesEach) {
  const fd = openSync(path, 'w');
  let pos = 0;
  const w = (b) => {
    writeSync(fd, b);
    pos += b.length;
  };
  w(u8(0x80, 0x04, 0x7d, 0x28)); // PROTO 4, EMPTY_DICT, MARK
  const block = Buffer.alloc(1 << 20, 0x3f);
  for (let i = 0; i < arrays; i++) {
    w(sbu(`a${i}`));
    w(Buffer.concat([sbu('joblib.numpy_pickle'), sbu('NumpyArrayWrapper'), u8(0x93, 0x29, 0x81, 0x7d, 0x28)]));
    w(Buffer.concat([sbu('subclass'), sbu('numpy'), sbu('ndarray'), u8(0x93), sbu('shape'), binint(bytesEach / 8), u8(0x85)]));
    w(Buffer.concat([sbu('order'), sbu('C'), sbu('dtype'), sbu('numpy'), sbu('dtype'), u8(0x93), sbu('f8'), u8(0x89, 0x88, 0x87, 0x52)]));
    // dtype state (3, '<', None, None, None, -1, -1, 0): MARK … TUPLE BUILD
    w(Buffer.concat([u8(0x28), binint(3), sbu('<'), u8(0x4e, 0x4e, 0x4e), binint(-1), binint(-1), binint(0), u8(0x74, 0x62)]));
    w(Buffer.concat([sbu('allow_mmap'), u8(0x88), sbu('numpy_array_alignment_bytes'), binint(16), u8(0x75, 0x62)])); // SETITEMS BUILD
    const pad = 16 - ((pos + 1) % 16);
    w(Buffer.concat([u8(pad), Buffer.alloc(pad, 0xff)]));
    for (let left = bytesEach; left > 0; left -= block.length) w(left >= block.length ? block : block.subarray(0, left));
  }
  w(Buffer.concat([sbu('tail'), u8(0x5d, 0x28), binint(1), binint(2), u8(0x65, 0x75, 0x2e)])); // [1, 2] SETITEMS STOP
  done(fd);
}

/** GNU time reports the child's peak RSS; without it the figure is left out rather than guessed. */
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function measure(file) {
  const cli = [process.execPath, fileURLToPath(new URL('../bin/modelscan-guard.js', import.meta.url)), 'scan', '--format', 'json', file];
  const t0 = performance.now();
  const opts = { encoding: 'utf8', maxBuffer: 1 << 26, env: cliEnv() };
  const r = TIME ? spawnSync(TIME, ['-f', '%M', ...cli], opts) : spawnSync(cli[0], cli.slice(1), opts);
  const wall = performance.now() - t0;
  const rssKb = TIME ? Number(r.stderr.trim().split('\n').pop()) : NaN;
  let summary = '';
  try {
    const j = JSON.parse(r.stdout);
    summary = JSON.stringify(j).length > 400 ? JSON.stringify(j).slice(0, 400) : JSON.stringify(j);
  } catch {
    summary = r.stdout.slice(0, 300);
  }
  return { wall, rssKb, status: r.status, summary };
}

export async function benchContainers(work) {
  const rows = [
    ['torch checkpoint: 2 GiB, 2,000 tensors (zip)', join(work, 'checkpoint-2gib.pt'), (p) => writeCheckpoint(p, 2000, 1 << 20), 'target: <= 250 ms, RSS < 150 MB'],
    ['.npy: 1 GiB float32', join(work, 'array-1gib.npy'), (p) => writeNpy(p, 1 << 30), 'target: <= 250 ms, RSS < 150 MB'],
    ['joblib: 512 MiB (8 arrays of 64 MiB)', join(work, 'arrays-512mib.joblib'), (p) => writeJoblib(p, 8, 64 << 20), 'target: fully analysed, RSS < 150 MB'],
  ];
  for (const [name, file, make, target] of rows) {
    make(file);
    const size = statSync(file).size;
    measure(file); // warm the page cache once
    // Best of three: the figure is the scanner's, not the neighbours' on a shared machine.
    const m = [measure(file), measure(file), measure(file)].sort((a, b) => a.wall - b.wall)[0];
    console.log(`${name.padEnd(46)} ${(size / 1e6).toFixed(0).padStart(6)} MB  process ${m.wall.toFixed(0).padStart(5)} ms  peak RSS ${(m.rssKb / 1024).toFixed(0).padStart(4)} MB  exit ${m.status}   ${target}`);
    if (m.status !== 0) console.log(`   ${m.summary}`);
  }
}
