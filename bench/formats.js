// Header-only formats at scale: a 1 GB Keras .h5 and a 1 GB safetensors file must cost their headers, not
// their size. Each is scanned by the real CLI (`node bin/modelscan-guard.js scan FILE`) in a fresh process;
// the figures are that whole process's wall time and peak RSS (worker threads included).
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliEnv } from './node-env.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'modelscan-guard.js');
const GB = 1 << 30;

/** Runs the CLI on `file` with a preload that prints the process's own peak RSS when it exits. */
function measureCli(work, file) {
  const preload = join(work, 'maxrss-preload.mjs');
  writeFileSync(preload, "process.on('exit', () => process.stderr.write(`\\nMAXRSS_KB=${process.resourceUsage().maxRSS}\\n`));\n");
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(preload).href, cli, 'scan', file], { encoding: 'utf8', env: cliEnv() });
  const wallMs = performance.now() - t0;
  const rss = /MAXRSS_KB=(\d+)/.exec(r.stderr ?? '');
  return { wallMs, maxRssMb: rss ? Number(rss[1]) / 1024 : NaN, exit: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(0, 3).join(' | ') };
}

function line(name, file, m) {
  const mb = statSync(file).size / 1e6;
  console.log(
    `${name.padEnd(42)} ${mb.toFixed(1).padStart(8)} MB  process ${m.wallMs.toFixed(0).padStart(6)} ms  ` +
      `peak RSS ${m.maxRssMb.toFixed(0).padStart(5)} MB  exit ${m.exit}   target: header-only, RSS independent of size`,
  );
  if (m.exit !== 0) console.log(`   ${m.out}`);
}

/** A valid safetensors file: one U8 tensor of `bytes` bytes, its data a sparse hole (never written). */
function writeSafetensors(file, bytes) {
  let header = Buffer.from(JSON.stringify({ __metadata__: { format: 'pt' }, big: { dtype: 'U8', shape: [bytes], data_offsets: [0, bytes] } }));
  header = Buffer.concat([header, Buffer.alloc((8 - (header.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, len);
    writeSync(fd, header);
    ftruncateSync(fd, 8 + header.length + bytes);
  } finally {
    closeSync(fd);
  }
}

/** A Keras 2 .h5 with a model_config and one 1 GB weight (space allocated at creation, never written). */
function writeH5(file, bytes) {
  const py = `
import h5py, json, numpy as np, sys
cfg = {"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "Dense", "config": {"name": "dense", "units": 8}}]}}
dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
dcpl.set_fill_time(h5py.h5d.FILL_TIME_NEVER)
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["model_config"] = np.bytes_(json.dumps(cfg).encode())
    f.attrs["keras_version"] = np.bytes_(b"2.13.1")
    f.attrs["backend"] = np.bytes_(b"tensorflow")
    g = f.create_group("model_weights").create_group("dense").create_group("dense")
    g.create_dataset("kernel:0", shape=(int(sys.argv[2]),), dtype="u1", dcpl=dcpl)
`;
  execFileSync('/usr/bin/python3', ['-c', py, file, String(bytes)], { stdio: ['ignore', 'ignore', 'pipe'] });
}

function hasH5py() {
  if (!existsSync('/usr/bin/python3')) return false;
  return spawnSync('/usr/bin/python3', ['-c', 'import h5py'], { stdio: 'ignore' }).status === 0;
}

/** Scans a 1 KiB and a 1 GiB file of the same shape: equal figures mean the cost does not grow with size. */
function pair(work, label, ext, write) {
  for (const [size, name] of [[1024, '1 KiB'], [GB, '1 GiB']]) {
    const file = join(work, `${name.replace(' ', '')}${ext}`);
    write(file, size);
    line(`${label} ${name}`, file, measureCli(work, file));
  }
}

export async function benchFormats(work) {
  pair(work, '(c) safetensors', '.safetensors', writeSafetensors);
  if (!hasH5py()) {
    console.log('(d) Keras .h5: skipped (needs /usr/bin/python3 with h5py to generate the input)');
    return;
  }
  pair(work, '(d) Keras .h5 (h5wasm worker)', '.h5', writeH5);
}
