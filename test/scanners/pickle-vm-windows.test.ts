/**
 * The VM reads through a window of the source (1 MiB by default, 4 KiB in the search after STOP, 64 KiB when
 * sniffing) and takes its fast paths only where an opcode's bytes lie inside it. Whatever the window, a run
 * must read the same stream. Every pickle fixture, and seeded mutations of them (bit flips, cuts, splices),
 * run through windows from 1 byte to 1 MiB, from offset 0 and from a random offset as the search does; all
 * that the runs report must agree, and no run may throw.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VM_LIMITS } from '../../src/engine/limits.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { joblibHooks } from '../../src/scanners/joblib/arrays.js';
import { makeVmPolicy } from '../../src/scanners/pickle/index.js';
import { describeValue } from '../../src/scanners/pickle/values.js';
import { runPickle, type RunResult, type VmHooks } from '../../src/scanners/pickle/vm.js';
import { mulberry32 } from '../helpers/codec-run.js';

function pickles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? pickles(join(dir, e.name)) : e.name.endsWith('.pkl') ? [join(dir, e.name)] : []))
    .filter((f) => statSync(f).size <= 64 << 10)
    .sort();
}

const FILES = [...pickles('fixtures/benign'), ...pickles('fixtures/malicious')];
const POOL = FILES.map((f) => readFileSync(f));
const POLICY = makeVmPolicy({});
const WINDOWS = [1, 7, 9, 64, 4096, undefined];

/** Everything a run reports, in a form two runs can be compared by. */
function summary(r: RunResult): string {
  return JSON.stringify({
    stopped: r.stopped,
    end: r.end,
    error: r.error,
    opcodes: r.opcodes,
    protocol: r.protocol,
    records: r.records.map((g) => [g.module, g.name, g.verdict, g.use, g.importOffset, g.useOffset]),
    structural: r.structural,
    softErrors: r.softErrors,
    nested: r.nested.map((n) => [n.loader.module, n.loader.name, n.callOffset, n.payload]),
    reachedCall: r.reachedCall,
    value: r.value ? describeValue(r.value) : null,
    persistentIds: r.persistentIds.map(describeValue),
    skippedAt: r.skippedAt,
  });
}

function runAll(buf: Buffer, start: number, hooks?: VmHooks): string[] {
  const limits = { ...DEFAULT_VM_LIMITS, maxOpcodes: 200_000 };
  return WINDOWS.map((w) => summary(runPickle(new BufferSource(buf), start, POLICY, limits, w, hooks)));
}

function mutate(rnd: () => number, buf: Buffer): Buffer {
  const pick = (n: number) => Math.floor(rnd() * n);
  const kind = pick(3);
  if (kind === 0) {
    const out = Buffer.from(buf);
    for (let k = 0, n = 1 + pick(4); k < n && out.length > 0; k++) {
      const at = pick(out.length);
      out[at] = out[at]! ^ (1 << pick(8));
    }
    return out;
  }
  if (kind === 1) return buf.subarray(0, pick(buf.length + 1));
  const other = POOL[pick(POOL.length)]!;
  const at = pick(buf.length + 1);
  return Buffer.concat([buf.subarray(0, at), other.subarray(pick(other.length + 1))]);
}

describe('a run reads the same stream whatever the window', () => {
  it(`each of the ${FILES.length} pickle fixtures, whole`, () => {
    expect(FILES.length).toBeGreaterThan(100);
    for (const [i, buf] of POOL.entries()) {
      const [first, ...rest] = runAll(buf, 0);
      for (const other of rest) expect(other, FILES[i]).toBe(first);
    }
  });

  it('seeded mutations of them, from offset 0 and from a random offset, with and without joblib hooks', () => {
    const rnd = mulberry32(0x5eed);
    let broken = 0;
    for (let round = 0; round < 3000; round++) {
      const buf = mutate(rnd, POOL[Math.floor(rnd() * POOL.length)]!);
      const start = round % 2 === 0 ? 0 : Math.floor(rnd() * (buf.length + 1));
      const hooks = round % 3 === 0 ? joblibHooks : undefined;
      const [first, ...rest] = runAll(buf, start, hooks);
      for (const other of rest) expect(other, `round ${round}`).toBe(first);
      if (!JSON.parse(first!).stopped) broken++;
    }
    // The mutations must exercise the failure paths, not only clean runs.
    expect(broken).toBeGreaterThan(1000);
  });
});
