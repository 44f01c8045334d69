#!/usr/bin/env node
// `npm run bench`: generates its inputs under bench/.work (git-ignored), scans each in a fresh process and
// prints wall time, throughput and peak RSS. Targets are printed next to the figures; nothing here fails CI.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchFormats } from './formats.js';
import { cliEnv, startupNote } from './node-env.js';
import { writeBigArray, writeDictList, writePickleThenNoise } from './pickle-writer.js';

const here = dirname(fileURLToPath(import.meta.url));
const work = join(here, '.work');
mkdirSync(work, { recursive: true });
const api = new URL('../dist/api.js', import.meta.url).href;

/** Scans `file` in a child process and returns its own timing and peak RSS (so the parent's memory is not counted). */
function measure(file) {
  const script = `
    const { scanPaths } = await import(${JSON.stringify(api)});
    const t0 = performance.now();
    const r = await scanPaths([${JSON.stringify(file)}]);
    const ms = performance.now() - t0;
    const res = r.results[0];
    console.log(JSON.stringify({ ms, maxRssKb: process.resourceUsage().maxRSS, findings: res.findings.length, errors: res.errors.map(e => e.message), formats: res.formats }));
  `;
  const t0 = performance.now();
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: 1 << 24, env: cliEnv() });
  const wall = performance.now() - t0;
  return { ...JSON.parse(out.trim().split('\n').pop()), wallMs: wall };
}

function report(name, file, target) {
  const size = statSync(file).size;
  const m = measure(file);
  const mb = size / 1e6;
  console.log(
    `${name.padEnd(42)} ${mb.toFixed(1).padStart(8)} MB  scan ${m.ms.toFixed(0).padStart(6)} ms  ` +
      `${(mb / (m.ms / 1000)).toFixed(0).padStart(7)} MB/s  process ${m.wallMs.toFixed(0).padStart(6)} ms  ` +
      `peak RSS ${(m.maxRssKb / 1024).toFixed(0).padStart(5)} MB   ${target}`,
  );
  if (m.errors.length || m.findings) console.log(`   findings=${m.findings} errors=${JSON.stringify(m.errors)}`);
}

console.log(`modelscan-guard benchmarks (node ${process.version}); inputs in ${work}`);
console.log(startupNote());
const dicts = join(work, 'dicts-2m.pkl');
writeDictList(dicts, 2_000_000);
report('(a) opcode-heavy: 2,000,000 small dicts', dicts, 'target: >= 100 MB/s');
const big = join(work, 'array-1gib.pkl');
writeBigArray(big, 1 << 30);
report('(b) 1 GiB of array bytes in one pickle', big, 'target: RSS < 150 MB, independent of size');
const noise = join(work, 'pickle-then-noise.pkl');
writePickleThenNoise(noise, 8 << 20);
report('    a pickle, then 8 MiB of random bytes', noise, 'figures only: the first 4 MiB after STOP are searched for hidden pickles (a limit error says so)');
await (await import('./git.js')).benchGit(work);

await (await import('./containers.js')).benchContainers(work);
await (await import('./server.js')).benchServer(work);
await benchFormats(work);

if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
