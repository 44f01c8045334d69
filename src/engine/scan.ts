/**
 * Orchestration: an artifact's bytes → sniff → the scanners of the formats found → one ScanResult.
 * Nested payloads come back through here (scanNested), so every format is read the same way at any depth.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { ByteSource } from '../io/byte-source.js';
import type { PicklePolicyOptions } from '../scanners/pickle/policy-options.js';
import { joinMember, type NestedOutcome, type ScanContext } from '../scanners/scanner.js';
import type { Artifact, Finding, FormatId, ScanError, ScanResult } from '../types.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { scannerFor } from './registry.js';
import { sniff } from './sniff.js';

export interface EngineOptions {
  limits?: Limits;
  pickle?: PicklePolicyOptions;
}

interface BytesOutcome {
  formats: FormatId[];
  findings: Finding[];
  errors: ScanError[];
  /** Formats recognised that no scanner reads. */
  unscanned: FormatId[];
  /** Whether at least one scanner read the bytes. */
  scanned: boolean;
}

/** Scans bytes as one artifact or nested payload: every format found is read by its scanner. */
async function scanBytes(src: ByteSource, nameHint: string, ctx: Omit<ScanContext, 'scanNested'>): Promise<BytesOutcome> {
  const { formats } = sniff(src, nameHint);
  const out: BytesOutcome = { formats, findings: [], errors: [], unscanned: [], scanned: false };
  const full: ScanContext = {
    ...ctx,
    scanNested: async (nested, label): Promise<NestedOutcome> => {
      const member = joinMember(ctx.member, label);
      if (ctx.depth + 1 > ctx.limits.maxNestingDepth) {
        return {
          formats: [],
          findings: [],
          errors: [{ path: ctx.path, scanner: 'engine', kind: 'limit', member, message: `payloads nested deeper than ${ctx.limits.maxNestingDepth} levels are not analysed` }],
          scanned: false,
        };
      }
      const r = await scanBytes(nested, label, { ...ctx, member, depth: ctx.depth + 1 });
      // Part read, part not (a member that is a pickle with an HDF5 file appended): never silent.
      if (r.scanned) for (const f of r.unscanned) r.errors.push({ path: ctx.path, scanner: 'engine', kind: 'unsupported', member, message: `${member} also contains ${f} data, which this version cannot scan` });
      return { formats: r.formats, findings: r.findings, errors: r.errors, scanned: r.scanned };
    },
  };
  for (const format of formats) {
    const scanner = await scannerFor(format);
    if (!scanner) {
      out.unscanned.push(format);
      continue;
    }
    const r = await scanner.scan(src, full);
    out.scanned = true;
    out.findings.push(...r.findings);
    out.errors.push(...r.errors);
  }
  return out;
}

export async function scanArtifact(artifact: Artifact, options: EngineOptions = {}): Promise<ScanResult> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  let src: ByteSource;
  try {
    src = artifact.open();
  } catch (err) {
    return ioFailure(artifact, err);
  }
  try {
    if (src.size === 0) {
      return { artifact, formats: [], sha256: '', findings: [], errors: [], skipped: { path: artifact.path, category: 'empty', description: 'empty file' } };
    }
    const out = await scanBytes(src, basename(artifact.path), { path: artifact.path, depth: 0, limits, pickle: options.pickle ?? {}, budget: { decompressed: limits.archive.maxTotalDecompressed, searchOpcodes: limits.pickle.maxSearchOpcodes } });
    const result: ScanResult = { artifact, formats: out.formats, sha256: '', findings: out.findings, errors: out.errors };
    if (out.formats.length === 0) {
      result.skipped = { path: artifact.path, category: 'unrecognised-format', description: 'not a model format modelscan-guard recognises' };
    } else if (!out.scanned) {
      result.skipped = { path: artifact.path, category: 'no-scanner', description: `recognised as ${out.unscanned.join(' + ')}, which this version cannot scan yet` };
    } else {
      // Part of the file was read, part not (a pickle with a zip appended): never call that clean.
      for (const f of out.unscanned) {
        result.errors.push({ path: artifact.path, scanner: 'engine', kind: 'unsupported', message: `the file also contains ${f} data, which this version cannot scan` });
      }
    }
    // The content hash identifies what was blocked (and what an allow entry names): computed for those only,
    // so a clean multi-GB checkpoint is never read end to end.
    if (result.findings.length > 0 || result.errors.length > 0) result.sha256 = artifact.sha256 ?? sha256Of(src);
    return result;
  } catch (err) {
    return ioFailure(artifact, err);
  } finally {
    src.close();
  }
}

function ioFailure(artifact: Artifact, err: unknown): ScanResult {
  const message = err instanceof Error ? err.message : String(err);
  return {
    artifact,
    formats: [],
    sha256: '',
    findings: [],
    errors: [{ path: artifact.path, scanner: 'engine', kind: 'io', message: `could not read: ${message}` }],
  };
}

export function sha256Of(src: ByteSource): string {
  const h = createHash('sha256');
  const CHUNK = 4 << 20;
  for (let at = 0; at < src.size; at += CHUNK) h.update(src.read(at, CHUNK));
  return h.digest('hex');
}
