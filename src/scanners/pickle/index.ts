/**
 * The pickle scanner: runs the symbolic VM over every pickle in the stream, turns what it learned into
 * findings, and analyses bytes handed to nested loaders (pickle.loads, torch.load, …) through the engine.
 */
import { BufferSource, SliceSource, type ByteSource } from '../../io/byte-source.js';
import type { Finding, ScanError } from '../../types.js';
import { joinMember, type ScanContext, type Scanner, type ScannerOutput } from '../scanner.js';
import { classifyGlobal } from './policy.js';
import { NESTED_LOADERS } from './policy-data.js';
import type { PicklePolicyOptions } from './policy-options.js';
import type { GlobalRecord, StructuralFinding } from './records.js';
import { analyseStream, type HiddenIn, type StreamAnalysis } from './stream.js';
import { decodeRawUnicodeEscape, decodeStringLine } from './text-args.js';
import type { Span } from './values.js';
import { PLAIN_CALL, type CallRole, type Classification, type Extractable, type LoaderInfo, type NestedPayload, type VmError, type VmHooks, type VmPolicy } from './vm.js';
import { joblibHooks } from '../joblib/arrays.js';
import { torchLegacyLayout } from '../torch/legacy.js';

const SCANNER = 'pickle';

/**
 * Pickle files are read as their loaders read them: joblib's arrays inside the stream are skipped (or their
 * inline pickles analysed), and a legacy torch.save file's storages after its fifth pickle are skipped (the
 * layout asks for the persistent ids of its fourth).
 */
const PICKLE_HOOKS: VmHooks = joblibHooks;

/** Wrappers whose result, when called, calls their first argument. */
const PARTIALS = new Set(['functools\npartial', '_functools\npartial']);
/** Attribute getters: judged per call (see Machine.getattr), not at import. */
const ATTR_GETTERS = new Set(['builtins\ngetattr']);
/** How protocol 2 pickles write bytes: `_codecs.encode(text, 'latin1')`. */
const BYTES_ENCODERS = new Set(['_codecs\nencode', 'codecs\nencode']);

/** What torch's C++ unpickler (torch/csrc/jit/serialization/unpickler.cpp) resolves beyond ordinary tensors. */
const TORCHSCRIPT_LIST_BUILDERS = new Set(['build_intlist', 'build_tensorlist', 'build_doublelist', 'build_boollist', 'build_tensor_from_id', 'restore_type_tag']);
function isTorchScriptGlobal(module: string, name: string): boolean {
  if (module === 'torch.jit._pickle') return TORCHSCRIPT_LIST_BUILDERS.has(name);
  return (module === '__torch__' || module.startsWith('__torch__.')) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

export function makeVmPolicy(options: PicklePolicyOptions): VmPolicy {
  const loaders = new Map<string, LoaderInfo>(
    NESTED_LOADERS.map((l) => [`${l.module}\n${l.name}`, { contentChecked: l.contentChecked === true, reason: l.reason }]),
  );
  const plain = new Map<string, Classification>();
  /** The policy's own verdict, cached: globals repeat across a stream. */
  const policyVerdict = (module: string, name: string): Classification => {
    const key = `${module}\n${name}`;
    let c = plain.get(key);
    if (!c) {
      const r = classifyGlobal(module, name, options);
      c = r.verdict === 'dangerous' ? { verdict: 'dangerous', severity: r.severity, reason: r.reason, codeBearing: r.codeBearing } : r;
      plain.set(key, c);
    }
    return c;
  };
  const roles = new Map<string, CallRole>();
  return {
    classify(module, name) {
      const key = `${module}\n${name}`;
      if (options.torchScript && isTorchScriptGlobal(module, name)) return { verdict: 'safe' };
      // Judged where they are used rather than at import: a content-checked loader by what it loads (see
      // nestedFindings), partial by what it wraps, getattr by what it reaches (Machine.getattr).
      if (loaders.get(key)?.contentChecked || PARTIALS.has(key) || ATTR_GETTERS.has(key)) return { verdict: 'safe' };
      return policyVerdict(module, name);
    },
    callRole(module, name) {
      const key = `${module}\n${name}`;
      let role = roles.get(key);
      if (!role) {
        const loader = loaders.get(key) ?? null;
        const attrGetter = ATTR_GETTERS.has(key) ? policyVerdict(module, name) : null;
        const partial = PARTIALS.has(key);
        const bytesEncoder = BYTES_ENCODERS.has(key);
        role = loader || attrGetter || partial || bytesEncoder ? { attrGetter, partial, loader, bytesEncoder } : PLAIN_CALL;
        roles.set(key, role);
      }
      return role;
    },
  };
}

export const pickleScanner: Scanner = {
  id: SCANNER,
  formats: ['pickle'],
  async scan(src: ByteSource, ctx: ScanContext): Promise<ScannerOutput> {
    const analysis = analyseStream(src, makeVmPolicy(ctx.pickle), ctx.limits.pickle, PICKLE_HOOKS, torchLegacyLayout(), ctx.budget);
    return pickleFindings(src, analysis, ctx);
  },
};

/** Findings and errors of an analysed stream, nested payloads included (scanned through the engine). */
export async function pickleFindings(src: ByteSource, analysis: StreamAnalysis, ctx: ScanContext): Promise<ScannerOutput> {
  const findings: Finding[] = [];
  const errors: ScanError[] = analysis.errors.map((e) => toError(e, ctx));
  for (const { record, hidden } of analysis.globals) findings.push(globalFinding(record, hidden, ctx));
  for (const { finding, hidden } of analysis.structural) findings.push(structuralFinding(finding, hidden, ctx));
  for (const n of analysis.nested) {
    const out = await nestedFindings(src, n, ctx);
    findings.push(...out.findings);
    errors.push(...out.errors);
  }
  return { findings, errors };
}

function location(ctx: ScanContext, offset: number): Finding['location'] {
  return ctx.member === undefined ? { offset } : { member: ctx.member, offset };
}

const HIDDEN_NOTE: Record<HiddenIn, string> = {
  'after-stop': ' (in data after a pickle ends: a loader that keeps reading runs it)',
  'skipped-data': ' (in bytes joblib skips as array data: pickle.load and torch.load read them as opcodes and run it)',
};

function globalFinding(rec: GlobalRecord, hidden: HiddenIn | null, ctx: ScanContext): Finding {
  const qualified = `${rec.module}.${rec.name}`;
  const used = rec.use === 'imported' ? 'imports' : rec.use === 'called' ? 'calls' : rec.use === 'build-target' ? 'sets state on' : 'mutates';
  let rule: string;
  let description: string;
  if (rec.verdict === 'extension') {
    rule = 'pickle/extension-code';
    description = `${used} the callable registered as extension code ${rec.name} (EXT opcode): ${rec.reason}`;
  } else if (rec.verdict === 'dangerous') {
    rule = rec.codeBearing ? 'pickle/code-bearing' : 'pickle/dangerous-global';
    description = `${used} ${qualified}: ${rec.reason}`;
  } else {
    rule = 'pickle/unknown-global';
    description = `${used} ${qualified}, which is on neither the allow list nor the deny list`;
  }
  return {
    severity: rec.severity ?? 'MEDIUM',
    rule,
    scanner: SCANNER,
    path: ctx.path,
    location: location(ctx, rec.useOffset ?? rec.importOffset),
    module: rec.module,
    operator: rec.name,
    use: rec.use,
    description: description + (hidden ? HIDDEN_NOTE[hidden] : ''),
  };
}

function structuralFinding(f: StructuralFinding, hidden: HiddenIn | null, ctx: ScanContext): Finding {
  const out: Finding = {
    severity: f.severity,
    rule: f.rule,
    scanner: SCANNER,
    path: ctx.path,
    location: location(ctx, f.offset),
    description: f.description + (hidden ? HIDDEN_NOTE[hidden] : ''),
  };
  if (f.module !== undefined) out.module = f.module;
  if (f.operator !== undefined) out.operator = f.operator;
  return out;
}

function toError(e: VmError, ctx: ScanContext): ScanError {
  const out: ScanError = { path: ctx.path, scanner: SCANNER, kind: e.kind, offset: e.offset, message: e.message };
  if (ctx.member !== undefined) out.member = ctx.member;
  return out;
}

/**
 * Bytes passed to a loader are a pickle (or a torch file) of their own: scan them through the engine.
 * Loaders marked content-checked (torch.storage._load_from_bytes, how torch itself pickles tensors) are fine
 * when what they load scans clean; otherwise the call is a finding of its own.
 */
async function nestedFindings(src: ByteSource, n: NestedPayload, ctx: ScanContext): Promise<ScannerOutput> {
  const loader = `${n.loader.module}.${n.loader.name}`;
  const label = `payload@${n.callOffset}`;
  const findings: Finding[] = [];
  const errors: ScanError[] = [];
  const flag = (why: string) => {
    if (!n.info.contentChecked && n.loader.verdict !== 'safe') return; // the loader's own finding says it
    findings.push({
      severity: 'CRITICAL',
      rule: 'pickle/nested-loader',
      scanner: SCANNER,
      path: ctx.path,
      location: location(ctx, n.callOffset),
      module: n.loader.module,
      operator: n.loader.name,
      use: 'called',
      description: `calls ${loader} on ${why}`,
    });
  };
  if (n.payload === null) {
    flag('a payload computed at load time, which cannot be checked statically');
    return { findings, errors };
  }
  const nested = materialise(src, n.payload, ctx.limits.maxNestedPayloadBytes);
  if ('error' in nested) {
    errors.push({ path: ctx.path, scanner: SCANNER, kind: 'limit', member: joinMember(ctx.member, label), message: nested.error });
    flag('an embedded payload that could not be analysed');
    return { findings, errors };
  }
  try {
    const outcome = await ctx.scanNested(nested.source, label);
    findings.push(...outcome.findings);
    errors.push(...outcome.errors);
    if (!outcome.scanned) flag(`an embedded payload of no recognised format (${nested.source.size} bytes)`);
    else if (outcome.findings.length > 0) flag('an embedded payload with findings of its own');
    else if (outcome.errors.length > 0) flag('an embedded payload that could not be fully analysed');
  } finally {
    nested.source.close();
  }
  return { findings, errors };
}

/** The payload's bytes: verbatim spans are read in place; escaped or re-encoded text is decoded (bounded). */
function materialise(src: ByteSource, p: Extractable, max: number): { source: ByteSource } | { error: string } {
  if ('data' in p) return { source: new BufferSource(p.data) };
  const span: Span = p.span;
  if (span.enc === 'raw') return { source: new SliceSource(src, span.offset, span.length) };
  if (span.length > max) return { error: `nested payload of ${span.length} bytes is larger than the ${max}-byte limit for decoded payloads` };
  const raw = src.read(span.offset, span.length);
  let text: string | null;
  if (span.enc === 'utf8') text = raw.toString('utf8');
  else if (span.enc === 'raw-unicode-escape') text = decodeRawUnicodeEscape(raw);
  else {
    const b = decodeStringLine(raw);
    text = b === null ? null : b.toString('latin1');
  }
  if (text === null) return { error: 'nested payload text could not be decoded' };
  // latin-1 encoding, as `_codecs.encode(s, 'latin1')` does; code points above 0xFF make CPython raise.
  const out = Buffer.allocUnsafe(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return { error: 'nested payload text has characters outside latin-1: the loader would fail' };
    out[i] = c;
  }
  return { source: new BufferSource(out) };
}
