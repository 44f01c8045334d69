/**
 * Walks every pickle in a byte stream. A loader that calls pickle.load in a loop (legacy torch.save, joblib,
 * hand-written loaders) runs pickles back to back, and a custom loader may skip junk to reach the next one;
 * so after each STOP, and after a pickle that breaks, the rest of the stream is searched for further pickles.
 */
import type { ByteSource } from '../../io/byte-source.js';
import { OP, isOpcode } from './opcodes.js';
import type { GlobalRecord, StructuralFinding } from './records.js';
import { Machine, type NestedPayload, type RunResult, type VmError, type VmHooks, type VmLimits, type VmPolicy } from './vm.js';

/**
 * A loader that reads raw data between the pickles of a stream (torch's legacy format: storages after the
 * fifth pickle). Told of each complete pickle read in sequence, it says where the next one starts.
 */
export interface StreamLayout {
  afterPickle(index: number, run: RunResult, src: ByteSource): { next: number } | { error: string } | null;
  /** Whether the pickle at this place in the sequence (0: the first) must report its persistent ids. */
  needsPersistentIds?(index: number): boolean;
}

/** Pickles smaller than this go straight to the full reading: the quick pass could save little on them. */
const QUICK_PASS_FROM = 64 << 10;

export interface StreamLimits extends VmLimits {
  /** Bytes after the last complete pickle that are searched, offset by offset, for hidden pickles. */
  maxJunkSearch: number;
  /** Opcodes all the speculative runs of that search may execute together. */
  maxSearchOpcodes: number;
}

export interface StreamAnalysis {
  /** Complete pickles (reaching STOP). */
  pickles: number;
  /** Of those, read by the quick pass alone (quick-pass.ts). */
  quickPasses: number;
  opcodes: number;
  /** Of those, run by the search for hidden pickles and the other speculative readings. */
  searchOpcodes: number;
  globals: { record: GlobalRecord; hidden: HiddenIn | null }[];
  structural: { finding: StructuralFinding; hidden: HiddenIn | null }[];
  nested: NestedPayload[];
  errors: VmError[];
  /** First run's protocol (0 when no PROTO). */
  protocol: number;
}

/**
 * Where a finding came from when the pickle as its loader reads it does not contain it: bytes after a STOP (a
 * loader that keeps calling pickle.load, or seeks, reads them), or bytes a loader skips as raw data (joblib's
 * array bytes) that pickle.load and torch.load read as opcodes instead.
 */
export type HiddenIn = 'after-stop' | 'skipped-data';

/** Extra opcodes a speculative run is charged per text line it reads (see Machine's lineCost). */
const SPECULATIVE_LINE_COST = 8;

/** Opcodes that can begin a pickle without underflowing an empty stack or reading an empty memo. */
const CAN_START = new Uint8Array(256);
for (const code of [
  OP.MARK, OP.PROTO, OP.FRAME, OP.NONE, OP.NEWTRUE, OP.NEWFALSE, OP.INT, OP.BININT, OP.BININT1, OP.BININT2,
  OP.LONG, OP.LONG1, OP.LONG4, OP.FLOAT, OP.BINFLOAT, OP.STRING, OP.BINSTRING, OP.SHORT_BINSTRING, OP.UNICODE,
  OP.BINUNICODE, OP.SHORT_BINUNICODE, OP.BINUNICODE8, OP.BINBYTES, OP.SHORT_BINBYTES, OP.BINBYTES8, OP.BYTEARRAY8,
  OP.EMPTY_TUPLE, OP.EMPTY_LIST, OP.EMPTY_DICT, OP.EMPTY_SET, OP.GLOBAL, OP.EXT1, OP.EXT2, OP.EXT4, OP.PERSID,
  OP.NEXT_BUFFER,
]) {
  if (isOpcode(code)) CAN_START[code] = 1;
}

/**
 * What the search may still spend across every stream of one artifact: a zip of a thousand members of junk
 * must not get a thousand times the search budget of one file.
 */
export interface SharedSearchBudget {
  searchOpcodes: number;
}

/** Whether `byte` can be the first opcode of a pickle (one that neither underflows nor reads an empty memo). */
export function canStartPickle(byte: number): boolean {
  return CAN_START[byte] === 1;
}

export function analyseStream(
  src: ByteSource,
  policy: VmPolicy,
  limits: StreamLimits,
  hooks?: VmHooks,
  layout?: StreamLayout,
  shared?: SharedSearchBudget,
): StreamAnalysis {
  const allowance = shared ? Math.max(0, Math.min(limits.maxSearchOpcodes, shared.searchOpcodes)) : limits.maxSearchOpcodes;
  const out = analyseWithin(src, policy, limits, allowance, shared !== undefined, hooks, layout);
  if (shared) shared.searchOpcodes -= out.searchOpcodes;
  return out;
}

function analyseWithin(
  src: ByteSource,
  policy: VmPolicy,
  limits: StreamLimits,
  allowance: number,
  sharedAllowance: boolean,
  hooks?: VmHooks,
  layout?: StreamLayout,
): StreamAnalysis {
  const out: StreamAnalysis = { pickles: 0, quickPasses: 0, opcodes: 0, searchOpcodes: 0, globals: [], structural: [], nested: [], errors: [], protocol: 0 };
  const seen = new Set<string>();
  let opcodeBudget = limits.maxOpcodes;

  const keep = (r: RunResult, hidden: HiddenIn | null) => {
    for (const record of r.records) {
      const key = `g|${record.module}\n${record.name}|${record.importOffset}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.globals.push({ record, hidden });
    }
    for (const finding of r.structural) {
      const key = `s|${finding.rule}|${finding.offset}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.structural.push({ finding, hidden });
    }
    for (const n of r.nested) {
      const key = `n|${n.callOffset}|${payloadKey(n)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.nested.push(n);
    }
  };

  // Speculative runs start at many nearby offsets: one reused machine, reading through a small block cache.
  const cache = new BlockCache(src);
  const searcher = new Machine(cache, policy, 4096, undefined, SPECULATIVE_LINE_COST);
  const reader = new Machine(src, policy, undefined, hooks, 0, QUICK_PASS_FROM);
  let searchBudget = allowance;
  /** The place in the sequence of the next pickle read back to back (layout.afterPickle's index). */
  let index = 0;
  const run = (at: number, speculative = false): RunResult => {
    const budget = Math.max(1, speculative ? Math.min(opcodeBudget, searchBudget) : opcodeBudget);
    const runLimits = { ...limits, maxOpcodes: budget };
    const r = speculative ? searcher.run(at, runLimits) : reader.run(at, runLimits, layout?.needsPersistentIds?.(index) === true);
    opcodeBudget -= r.opcodes;
    if (speculative) {
      searchBudget -= r.opcodes;
      out.searchOpcodes += r.opcodes;
    }
    out.opcodes += r.opcodes;
    if (r.quickPass) out.quickPasses++;
    return r;
  };

  /** Evidence of a hidden pickle in what a speculative run found: noise in raw data imports nothing dangerous. */
  const keepEvidence = (r: RunResult, where: HiddenIn = 'after-stop'): boolean => {
    const evidence = r.records.filter((g) => g.verdict === 'dangerous' || (g.verdict === 'unknown' && g.use !== 'imported'));
    if (evidence.length > 0) keep({ ...r, records: evidence, structural: [], nested: r.nested.filter((n) => evidence.includes(n.loader)) }, where);
    return evidence.length > 0;
  };
  /**
   * A pickle right after another's STOP that breaks after calling something: a loader calling pickle.load in a
   * loop ran those calls before the break, so how they were made (computed names, BUILD on an import…) counts
   * as well as what they imported. Only at that one offset: in the search of junk such shapes are noise.
   */
  const keepBrokenInSequence = (r: RunResult): void => {
    if (!r.reachedCall) return;
    keep({ ...r, records: [], nested: [] }, 'after-stop');
  };
  /**
   * Inline data skipped as joblib reads it (array bytes) is what pickle.load and torch.load read as opcodes,
   * with the stack and memo as they are there: that reading of the same pickle is run too (a payload placed
   * in "array bytes" runs in any loader but joblib's). A seeking loader could also start a fresh pickle there:
   * each skipped offset is probed once. Both count only evidence, as for hidden pickles: real array bytes
   * read as opcodes are noise.
   */
  let plain: Machine | undefined;
  const readSkippedToo = (r: RunResult): void => {
    if (r.skippedAt.length === 0 || opcodeBudget <= 0) return;
    if (searchBudget <= 0) {
      out.errors.push({ kind: 'limit', offset: r.skippedAt[0]!, message: 'the bytes joblib skips as array data were not read as pickle.load reads them: the search budget was used up' });
      return;
    }
    plain ??= new Machine(src, policy, undefined, undefined, SPECULATIVE_LINE_COST);
    // Budgeted like the search: array bytes that happen to read as endless opcodes must not use up the budget
    // of the real reading.
    const p = plain.run(r.start, { ...limits, maxOpcodes: Math.min(opcodeBudget, searchBudget) });
    opcodeBudget -= p.opcodes;
    searchBudget -= p.opcodes;
    out.searchOpcodes += p.opcodes;
    out.opcodes += p.opcodes;
    keepEvidence(p, 'skipped-data');
    // How calls were made there counts too (a name computed by str() calls, say) once that reading called an
    // imported callable inside the skipped bytes: noise in real array bytes does not get as far as naming one.
    const diverged = r.skippedAt[0]!;
    if (p.lastGlobalCall >= diverged) keep({ ...p, records: [], nested: [], structural: p.structural.filter((f) => f.offset >= diverged) }, 'skipped-data');
    for (const at of r.skippedAt.slice(0, 10_000)) if (searchBudget > 0 && opcodeBudget > 0) keepEvidence(run(at, true), 'skipped-data');
  };

  // The stream's own first pickle: its errors are real (CPython stops there, after running what came before).
  const first = run(0);
  readSkippedToo(first);
  out.protocol = first.protocol;
  keep(first, null);
  if (first.stopped) out.pickles++;
  if (first.error) out.errors.push(first.error);
  out.errors.push(...first.softErrors);
  if (first.error?.kind === 'limit') return out;

  // Pickles back to back: each begins right after the previous STOP. Anything that is not a pickle there is
  // junk (as is whatever follows a broken pickle), searched offset by offset, within bounds, for a pickle a
  // seeking loader could reach.
  let pos = first.stopped ? first.end : first.end + 1;
  let junkStart = first.stopped ? -1 : pos;
  /** After a complete pickle in sequence: raw data the loader reads there is skipped exactly. */
  const skipRaw = (r: RunResult): void => {
    const next = layout?.afterPickle(index++, r, src);
    if (!next) return;
    if ('error' in next) out.errors.push({ kind: 'parse', offset: r.end, message: next.error });
    else {
      // A loader that calls pickle.load in a loop reads on right here: probe it once, as skipped array bytes.
      if (next.next > r.end && searchBudget > 0 && opcodeBudget > 0) keepEvidence(run(r.end, true));
      pos = next.next;
    }
  };
  if (first.stopped) skipRaw(first);
  while (pos < src.size) {
    if (opcodeBudget <= 0) {
      out.errors.push({ kind: 'limit', offset: pos, message: `opcode budget of ${limits.maxOpcodes} exhausted before the end of the stream` });
      break;
    }
    if (searchBudget <= 0) {
      out.errors.push({
        kind: 'limit',
        offset: pos,
        message: sharedAllowance && allowance < limits.maxSearchOpcodes
          ? `the search for hidden pickles used up this file's budget of ${limits.maxSearchOpcodes} opcodes (shared by all its members and streams) before byte ${junkStart < 0 ? pos : junkStart}; the rest was not searched`
          : `searching the data after byte ${junkStart < 0 ? pos : junkStart} for hidden pickles took more than ${limits.maxSearchOpcodes} opcodes; the rest was not searched`,
      });
      break;
    }
    const aligned = junkStart < 0;
    if (!aligned && pos - junkStart > limits.maxJunkSearch) {
      out.errors.push({
        kind: 'limit',
        offset: pos,
        message: `${src.size - junkStart} bytes of non-pickle data follow byte ${junkStart}; only the first ${limits.maxJunkSearch} were searched for hidden pickles`,
      });
      break;
    }
    if (!aligned) {
      pos = nextCandidate(cache, pos, Math.min(src.size, junkStart + limits.maxJunkSearch + 1));
      if (pos >= src.size) break;
      if (pos - junkStart > limits.maxJunkSearch) continue;
    }
    const r = run(pos, !aligned);
    if (aligned && r.stopped && r.opcodes > 1) {
      // The next pickle of a back-to-back stream: everything in it counts.
      keep(r, null);
      readSkippedToo(r);
      out.pickles++;
      pos = r.end;
      skipRaw(r);
      continue;
    }
    // Searched for, not aligned, or broken. Raw data (tensor bytes, say) is full of opcode-like bytes, and
    // now and then a run through it even reaches a STOP: only an importable name that is dangerous, or
    // unknown and then used, is evidence of a hidden pickle rather than noise.
    const evident = keepEvidence(r);
    if (aligned) keepBrokenInSequence(r);
    if (r.stopped && r.opcodes > 1 && evident) {
      // A real hidden pickle: carry on after it as after any other.
      out.pickles++;
      pos = r.end;
      junkStart = -1;
      continue;
    }
    if (r.error?.kind === 'limit' && aligned) out.errors.push(r.error);
    if (junkStart < 0) junkStart = pos;
    pos += 1;
  }
  return out;
}

/** Identifies a nested payload so overlapping speculative runs report it once. */
function payloadKey(n: NestedPayload): string {
  if (n.payload === null) return 'computed';
  if ('data' in n.payload) return `data:${n.payload.data.length}`;
  return `${n.payload.span.enc}:${n.payload.span.offset}:${n.payload.span.length}`;
}

/**
 * The bytes the search walks, 1 MiB block by block: nextCandidate() loads the block it scans (keeping the last
 * two), and the speculative runs read views of them. A run that jumps elsewhere (a random length in junk that
 * happens to fit the file) reads just the bytes it asks for: loading a whole block there evicted the block
 * being searched, which was then read again for the next run, a 1 MiB read per such jump.
 */
class BlockCache implements ByteSource {
  private static readonly BLOCK = 1 << 20;
  static blockStart(offset: number): number {
    return Math.floor(offset / BlockCache.BLOCK) * BlockCache.BLOCK;
  }
  private readonly blocks = new Map<number, Buffer>();
  constructor(private readonly inner: ByteSource) {}
  get size(): number {
    return this.inner.size;
  }
  /** The block holding `offset`, read whole and kept (with the one before it: runs start just behind the scan). */
  scanBlock(offset: number): Buffer {
    const index = Math.floor(offset / BlockCache.BLOCK);
    let b = this.blocks.get(index);
    if (!b) {
      for (const k of [...this.blocks.keys()]) if (k !== index - 1) this.blocks.delete(k);
      b = this.inner.read(index * BlockCache.BLOCK, BlockCache.BLOCK);
      this.blocks.set(index, b);
    }
    return b;
  }
  read(offset: number, length: number): Buffer {
    const B = BlockCache.BLOCK;
    const index = Math.floor(offset / B);
    const within = offset - index * B;
    const b = this.blocks.get(index);
    if (b && within + length <= b.length) return b.subarray(within, within + length);
    return this.inner.read(offset, length);
  }
  close(): void {}
}

/** Next offset in [from, end) whose byte can start a pickle; `end` when there is none. */
function nextCandidate(cache: BlockCache, from: number, end: number): number {
  let at = from;
  while (at < end) {
    // Block by block: each block is read once and kept for the runs that start in it.
    const block = cache.scanBlock(at);
    const start = at - BlockCache.blockStart(at);
    const buf = block.subarray(start, Math.min(block.length, start + (end - at)));
    if (buf.length === 0) break;
    for (let i = 0; i < buf.length; i++) if (CAN_START[buf[i]!]) return at + i;
    at += buf.length;
  }
  return end;
}
