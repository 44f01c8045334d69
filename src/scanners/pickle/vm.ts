/**
 * A symbolic emulation of CPython's C unpickler (Modules/_pickle.c, 3.11): one handler per opcode, the same
 * stack / mark-stack / fence rules, the same memo (PUT stores the top of the stack, MEMOIZE stores at the
 * number of memo entries), the same argument parsing. Nothing is ever imported or called: where CPython would
 * import a global, the VM asks the policy what that global is; where CPython would call something, the VM
 * records the call against the global it came from.
 *
 * One run analyses one pickle (PROTO … STOP). src/scanners/pickle/stream.ts walks every pickle in a stream.
 */
import { DEFAULT_VM_LIMITS, type VmLimits } from '../../engine/limits.js';
import type { ByteSource } from '../../io/byte-source.js';
import { Cursor, EndOfData } from '../../io/cursor.js';
import type { Severity } from '../../types.js';
import { compatRename } from './compat-pickle.js';
import { quickPass, type PassHost } from './quick-pass.js';
import { HIGHEST_PROTOCOL, OP, opcodeName } from './opcodes.js';
import { Memo } from './memo.js';
import { noteUse, type GlobalRecord, type StructuralFinding } from './records.js';
import {
  decodeRawUnicodeEscape,
  decodeStringLine,
  decodeUtf8Strict,
  parseFloatLine,
  parseIntLine,
  parseLongLine,
  parseMemoIndex,
} from './text-args.js';
import {
  BOOL,
  BUFFER,
  COPYREG_NEWOBJ,
  DICT,
  EMPTY_TUPLE,
  FLOAT,
  FROZENSET,
  INT,
  LIST,
  NONE,
  PERSISTENT,
  SET,
  describeValue,
  int32Value,
  intValue,
  type DetailedObject,
  type PartialValue,
  tupleOf,
  type Span,
  type Value,
} from './values.js';

export type Classification =
  | { verdict: 'safe' }
  | { verdict: 'dangerous'; severity: Severity; reason: string; codeBearing: boolean }
  | { verdict: 'unknown' };

export interface LoaderInfo {
  /** The loader fully unpickles its bytes argument; a constant payload that scans clean makes the call clean. */
  contentChecked: boolean;
  reason: string;
}

export interface VmPolicy {
  classify(module: string, name: string): Classification;
  /**
   * What calling module.name does beyond being called. Asked once per distinct global in a run (the machine
   * keeps the answer with the global), not per call: a checkpoint calls the same few globals thousands of times.
   */
  callRole(module: string, name: string): CallRole;
}

export interface CallRole {
  /**
   * builtins.getattr: its real classification, when `module.name` is it. Protocols 0-2 pickle a method as
   * getattr(Class, 'name'), which is the dotted import Class.name; any other use is judged as getattr.
   */
  attrGetter: Classification | null;
  /** functools.partial and friends: calling the result calls the first argument. */
  partial: boolean;
  /** A known loader of bytes (pickle.loads, torch.load…); null when it is none. */
  loader: LoaderInfo | null;
  /** _codecs.encode / codecs.encode: how protocol 2 writes bytes; lets nested payloads stay constant. */
  bytesEncoder: boolean;
}

/** The role of a global that is none of the above. */
export const PLAIN_CALL: CallRole = Object.freeze({ attrGetter: null, partial: false, loader: null, bytesEncoder: false });

/**
 * Loaders that read more than the pickle from the same file: joblib reads raw array bytes (or a nested
 * pickle) right after BUILD of a NumpyArrayWrapper; torch's legacy loader needs the storages named by the
 * persistent ids. Scanners pass these; the VM itself knows no file format.
 */
export interface VmHooks {
  /** Calls of this global keep their arguments, and BUILD on the result keeps its state. */
  keepsDetails(rec: GlobalRecord): boolean;
  /** What the loader reads from the file right after BUILD on `target` (cursor at `pos`); null: nothing. */
  afterBuild(target: DetailedObject, pos: number, src: ByteSource, text: (v: Value) => string | null): InlineData | null;
}

/** Data a loader reads from the file in the middle of a pickle. */
export type InlineData =
  | { kind: 'skip'; to: number }
  | { kind: 'pickle'; at: number }
  | { kind: 'error'; message: string };

// Defined with the other limits, so that reading limits does not load the VM.
export { DEFAULT_VM_LIMITS, type VmLimits };

/** Bytes handed to a loader, to be analysed as a pickle stream of their own after this run. */
export interface NestedPayload {
  loader: GlobalRecord;
  info: LoaderInfo;
  callOffset: number;
  /** null when the argument is computed at load time and cannot be known statically. */
  payload: Extractable | null;
}

/** A constant payload: a span of the analysed source (copied nowhere) or bytes already in memory. */
export type Extractable = { span: Span } | { data: Buffer };

export interface VmError {
  kind: 'parse' | 'limit';
  offset: number;
  message: string;
}

export interface RunResult {
  start: number;
  /** Offset just after STOP, or of the opcode where the run broke. */
  end: number;
  stopped: boolean;
  error: VmError | null;
  /** What CPython would raise where the analysis keeps reading (calling a str, BUILD on an int…). */
  softErrors: VmError[];
  opcodes: number;
  protocol: number;
  /** Every non-safe global imported in this run, with its most active use. */
  records: GlobalRecord[];
  structural: StructuralFinding[];
  nested: NestedPayload[];
  /** Whether a call (REDUCE, INST, OBJ, NEWOBJ…) or a BUILD/mutation of an import was reached: code ran. */
  reachedCall: boolean;
  /** Offset of the last call of an imported global (a callable named by GLOBAL or STACK_GLOBAL); -1 for none. */
  lastGlobalCall: number;
  /** The value STOP returned (null when the run broke). */
  value: Value | null;
  /** BINPERSID ids in order, when run() was asked to collect them. */
  persistentIds: Value[];
  /** Offsets where inline data was skipped (VmHooks.afterBuild): where plain pickle.load would read on. */
  skippedAt: number[];
  /** Read by quick-pass.ts alone: a pickle the full reading would have found nothing in, and was spared. */
  quickPass: boolean;
}

/** Most persistent ids kept per run: one per tensor storage; beyond this the layout is not derived. */
export const MAX_PERSISTENT_IDS = 1_000_000;
/** Most items a state dict keeps (NumpyArrayWrapper states have six). */
const MAX_STATE_ITEMS = 64;

const ATTRIBUTE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IDENT = String.raw`[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*`;
const MODULE_PATH = new RegExp(`^${IDENT}(\\.${IDENT})*$`, 'u');
/** The usual, ASCII, module path: a subset of MODULE_PATH that spares compiling its Unicode classes (~3 ms). */
const ASCII_MODULE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Calls to globals that are not allowed get their constant bytes scanned as if they were a loader's: a wrapper
 * around pickle.loads that no list names (Grammar.loads, ConfigModule.load_config…) must not hide a payload.
 */
export const UNLISTED_CALLEE: LoaderInfo = Object.freeze({ contentChecked: false, reason: 'bytes passed to a callable that is not allowed' });

/** Strings longer than this keep only their location: names are short, payloads are re-read on demand. */
const KEEP_TEXT = 4096;

/** A global as the policy classified it, imported (not yet used) at `offset`. */
function recordOf(module: string, name: string, c: Classification, offset: number): GlobalRecord {
  return {
    module,
    name,
    verdict: c.verdict,
    severity: c.verdict === 'dangerous' ? c.severity : c.verdict === 'unknown' ? 'MEDIUM' : null,
    reason: c.verdict === 'dangerous' ? c.reason : '',
    codeBearing: c.verdict === 'dangerous' && c.codeBearing,
    importOffset: offset,
    use: 'imported',
    useOffset: null,
  };
}

/** The text of a str value, when it is short enough to be a name; null otherwise. */
export function textOfValue(src: ByteSource, v: Value): string | null {
  if (v.kind !== 'str') return null;
  if (v.text !== null) return v.text;
  if (v.length > KEEP_TEXT || (v.enc !== 'utf8' && v.enc !== 'raw')) return null;
  const b = src.read(v.offset, v.length);
  return v.enc === 'utf8' ? (decodeUtf8Strict(b) ?? b.toString('utf8')) : b.toString('latin1');
}

/**
 * How a run stops when CPython would raise. Deliberately not an Error: capturing a stack trace per failed run
 * dominated the search of junk, where almost every start offset fails within a few opcodes.
 */
class VmFail {
  constructor(
    readonly kind: 'parse' | 'limit',
    readonly message: string,
  ) {}
}

/**
 * Why a run stopped, as loop() and rareOp() return it instead of throwing: in V8 a throw caught a few frames up
 * cost ~15 µs here, and the search of junk stops runs by the hundred thousand (most within two opcodes). Deeper
 * helpers still throw; run() catches those.
 */
type Halt = VmFail | EndOfData;

const INVALID_LOAD_KEY = Array.from({ length: 256 }, (_, b) => `invalid load key, '\\x${b.toString(16).padStart(2, '0')}'`);

/**
 * Width of the fixed-size argument that loop() reads straight from the window, per opcode; 0 for opcodes whose
 * arguments rareOp() reads through the cursor's methods.
 */
const FIXED_ARGUMENT = new Uint8Array(256);
for (const [op, width] of [
  [OP.BININT, 4], [OP.BININT1, 1], [OP.BININT2, 2], [OP.BINFLOAT, 8], [OP.BINUNICODE, 4], [OP.SHORT_BINUNICODE, 1],
  [OP.BINBYTES, 4], [OP.SHORT_BINBYTES, 1], [OP.BINPUT, 1], [OP.LONG_BINPUT, 4], [OP.BINGET, 1], [OP.LONG_BINGET, 4],
] as const) {
  FIXED_ARGUMENT[op] = width;
}
const MAX_FIXED_ARGUMENT = 8;

const fail = (message: string): never => {
  throw new VmFail('parse', message);
};

/** `window`: bytes read ahead at a time; small for speculative runs in junk, which usually die at once. */
export function runPickle(src: ByteSource, start: number, policy: VmPolicy, limits: VmLimits, window?: number, hooks?: VmHooks): RunResult {
  return new Machine(src, policy, window, hooks).run(start, limits);
}

/**
 * One unpickler. run() starts it afresh at an offset (as a new pickle.load would); reusing one machine for
 * many runs is what keeps the search of junk, offset by offset, cheap.
 */
export class Machine {
  private readonly cur: Cursor;
  private limits: VmLimits = DEFAULT_VM_LIMITS;
  private start = 0;
  private stack: Value[] = [];
  private marks: number[] = [];
  /** CPython's fence: the stack may not be popped below the last mark. */
  private fence = 0;
  private memo = new Memo(0);
  private maxStack = 0;
  private proto = 0;
  private frameEnd = -1;
  private opStart = 0;
  private opcodes = 0;
  private reachedCall = false;
  private lastGlobalCall = -1;
  private globals = new Map<string, GlobalRecord>();
  /** policy.callRole() of each global called in this run. */
  private roles = new Map<GlobalRecord, CallRole>();
  /** hooks.keepsDetails() of each global called in this run. */
  private kept = new Map<GlobalRecord, boolean>();
  private records: GlobalRecord[] = [];
  private structural: StructuralFinding[] = [];
  private nested: NestedPayload[] = [];
  private frameDivergenceReported = false;
  /** Errors CPython would raise at a point where we still keep reading (see call()). */
  private softErrors: VmError[] = [];
  private persistentIds: Value[] = [];
  /** Whether this run keeps BINPERSID ids (run()'s argument). */
  private collectIds = false;
  /** quickGlobal()'s answers in this run, by global. */
  private quickCallees = new Map<string, GlobalRecord | null>();
  private readonly passHost: PassHost = { global: (opStart, protocol) => this.quickGlobal(opStart, protocol) };
  private skippedAt: number[] = [];
  /** What ended the run when loop() returned null. */
  private halted: Halt | null = null;

  constructor(
    private readonly src: ByteSource,
    private readonly policy: VmPolicy,
    window?: number,
    private readonly hooks?: VmHooks,
    /**
     * Extra opcodes charged per text line read. Speculative runs charge them: a line costs a buffer and a parse,
     * ten times a binary opcode, and junk made of lines alone must not stretch the search's time tenfold.
     */
    private readonly lineCost = 0,
    /**
     * Runs starting at least this many bytes before the end of the source try quick-pass.ts before the full
     * reading (never by default). For the reader of a stream's own pickles: speculative runs in junk die
     * within a few opcodes.
     */
    private readonly quickPassFrom = Number.POSITIVE_INFINITY,
  ) {
    this.cur = new Cursor(src, 0, window);
  }

  /**
   * Runs one pickle from `start`, with a fresh stack, memo and protocol, as a new load() call has.
   * `collectPersistentIds`: keep every BINPERSID id in RunResult.persistentIds (torch's legacy loader needs
   * those of one pickle of its file).
   */
  run(start: number, limits: VmLimits, collectPersistentIds = false): RunResult {
    this.limits = limits;
    this.collectIds = collectPersistentIds;
    this.maxStack = limits.maxStack;
    this.start = start;
    this.cur.seek(start);
    // Storage is reused across runs (the junk search makes millions of them); arrays that a previous result
    // still hands out are replaced rather than emptied.
    if (this.stack.length > 0) this.stack.length = 0;
    if (this.marks.length > 0) this.marks.length = 0;
    this.fence = 0;
    this.memo.reset(limits.maxMemo);
    this.proto = 0;
    this.frameEnd = -1;
    this.opStart = start;
    this.opcodes = 0;
    this.reachedCall = false;
    this.lastGlobalCall = -1;
    if (this.globals.size > 0) this.globals = new Map();
    if (this.roles.size > 0) this.roles.clear();
    if (this.kept.size > 0) this.kept.clear();
    if (this.records.length > 0) this.records = [];
    if (this.structural.length > 0) this.structural = [];
    if (this.nested.length > 0) this.nested = [];
    if (this.softErrors.length > 0) this.softErrors = [];
    if (this.persistentIds.length > 0) this.persistentIds = [];
    if (this.skippedAt.length > 0) this.skippedAt = [];
    if (this.quickCallees.size > 0) this.quickCallees = new Map();
    this.frameDivergenceReported = false;
    let error: VmError | null = null;
    let stopped = false;
    let value: Value | null = null;
    let readByQuickPass = false;
    try {
      const tryQuick = this.lineCost === 0 && this.src.size - start >= this.quickPassFrom;
      const quick = tryQuick ? quickPass(this.cur, start, limits, this.passHost, collectPersistentIds) : null;
      if (quick) {
        // What the full reading would have returned: no finding, error or nested payload to fill in.
        ({ opcodes: this.opcodes, protocol: this.proto, value, reachedCall: this.reachedCall, lastGlobalCall: this.lastGlobalCall } = quick);
        readByQuickPass = true;
      } else {
        if (tryQuick) this.cur.seek(start);
        value = this.loop();
      }
      if (value === null) error = this.errorOf(this.halted!);
      else stopped = true;
    } catch (e) {
      if (e instanceof VmFail || e instanceof EndOfData) error = this.errorOf(e);
      else throw e;
    }
    return {
      start: this.start,
      end: stopped ? this.cur.pos : this.opStart,
      stopped,
      error,
      softErrors: this.softErrors,
      opcodes: this.opcodes,
      protocol: this.proto,
      records: this.records,
      structural: this.structural,
      nested: this.nested,
      reachedCall: this.reachedCall,
      lastGlobalCall: this.lastGlobalCall,
      value,
      persistentIds: this.persistentIds,
      skippedAt: this.skippedAt,
      quickPass: readByQuickPass,
    };
  }

  private errorOf(h: Halt): VmError {
    if (h instanceof VmFail) return { kind: h.kind, offset: this.opStart, message: h.message };
    return { kind: 'parse', offset: this.opStart, message: `pickle data was truncated inside ${this.currentOpName()} at byte ${this.opStart}` };
  }

  /** Ends the run with `h` (see Halt): loop() returns what this returns. */
  private halt(h: Halt): null {
    this.halted = h;
    return null;
  }

  /** The opcode at opStart, read back for messages (the loop does not keep it: that store cost time). */
  private currentOpName(): string {
    const b = this.src.read(this.opStart, 1);
    return b.length === 0 ? 'the stream' : opcodeName(b[0]!);
  }

  // ---- stack discipline, as Pdata in _pickle.c ----

  private push(v: Value): void {
    if (this.stack.length >= this.maxStack) throw new VmFail('limit', `stack deeper than ${this.maxStack} items`);
    this.stack.push(v);
  }

  private pop(): Value {
    if (this.stack.length <= this.fence) fail('unpickling stack underflow');
    return this.stack.pop()!;
  }

  private top(): Value {
    if (this.stack.length <= this.fence) fail('unpickling stack underflow');
    return this.stack[this.stack.length - 1]!;
  }

  /** marker(): pops the mark stack and returns the stack length it recorded. */
  private marker(): number {
    const m = this.marks.pop();
    if (m === undefined) return fail('could not find MARK');
    this.fence = this.marks.length ? this.marks[this.marks.length - 1]! : 0;
    return m;
  }

  private popTo(mark: number): Value[] {
    // slice + pops rather than splice: V8's splice is a generic builtin, several times slower for the few
    // items of a call's argument tuple.
    const items = this.stack.slice(mark);
    this.dropTo(mark);
    return items;
  }

  /** popTo without keeping the items: containers do not remember their contents. */
  private dropTo(mark: number): void {
    const stack = this.stack;
    // Popping is cheaper than assigning .length for the few items a batch holds.
    while (stack.length > mark) stack.pop();
  }

  // ---- reading arguments ----

  /** The next text line (its first KEEP_TEXT bytes), charged at lineCost. */
  private readLine(): { text: Buffer; length: number } {
    this.opcodes += this.lineCost;
    return this.cur.readLine(KEEP_TEXT);
  }

  /**
   * A line that must be kept whole (names, numbers). CPython reads lines of any length, so a longer one is this
   * analysis's limit, reported as such (a number padded with 5,000 spaces is valid), not CPython's failure.
   */
  private shortLine(what: string): Buffer {
    const { text, length } = this.readLine();
    if (length > KEEP_TEXT) throw new VmFail('limit', `${what} line longer than ${KEEP_TEXT} bytes: not analysed (CPython reads it)`);
    return text;
  }

  /**
   * INT's usual form, `-?<1-15 decimal digits>\n` with no leading zero, read straight from the window (no
   * line buffer, no string): what protocol 0 writes, and what junk of `I1\n` repeated makes the search run
   * millions of times. null leaves the line to the general parse (the 00/01 bools, octal, hex, spaces…).
   */
  private plainIntLine(): Value | null {
    const cur = this.cur;
    const buf = cur.buf;
    let k = cur.i;
    const neg = k < buf.length && buf[k] === 0x2d;
    if (neg) k++;
    const first = k;
    const end = Math.min(buf.length, first + 16);
    let n = 0;
    while (k < end && buf[k]! >= 0x30 && buf[k]! <= 0x39) n = n * 10 + (buf[k++]! - 0x30);
    const digits = k - first;
    if (digits === 0 || digits > 15 || k >= buf.length || buf[k] !== 0x0a || (digits > 1 && buf[first] === 0x30)) return null;
    cur.i = k + 1;
    return intValue(neg ? -n : n);
  }

  /** A declared payload length, checked against the bytes left (never allocated, so a huge one only fails). */
  private declaredLength(n: bigint | number, what: string): number | Halt {
    if (typeof n === 'number' && n >= 0 && n <= this.cur.remaining) return n;
    const big = BigInt(n);
    if (big < 0n) return new VmFail('parse', `${what} has a negative length`);
    if (big > BigInt(this.cur.remaining)) {
      return new EndOfData(this.cur.pos, Number(big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : big));
    }
    return Number(big);
  }

  /**
   * Binary text payloads are only located here, not decoded: most are dict keys and values nobody asks about
   * again, and a pickle of millions of them must not cost millions of decoded strings. textOf() reads one
   * back when it matters (module and name operands, codec names).
   */
  private binText(length: number, enc: 'utf8' | 'raw'): Value {
    const offset = this.cur.pos;
    this.cur.skip(length);
    return { kind: 'str', text: null, enc, offset, length };
  }

  /** The text of a str value, when it is short enough to be a name; null otherwise. */
  private textOf(v: Value): string | null {
    return textOfValue(this.src, v);
  }

  private binBytes(length: number): Value {
    const offset = this.cur.pos;
    this.cur.skip(length);
    return { kind: 'bytes', span: { enc: 'raw', offset, length }, data: null };
  }

  // ---- globals ----

  /**
   * find_class imports the module first: a name that is not a dotted identifier path cannot be imported
   * (short of an earlier payload planting it in sys.modules, which would already be a finding).
   */
  private unimportable(module: string): VmFail | null {
    return ASCII_MODULE_PATH.test(module) || MODULE_PATH.test(module) ? null : new VmFail('parse', `No module named ${JSON.stringify(module.slice(0, 80))}`);
  }

  private resolveGlobal(module: string, name: string, offset: number, rename = true): Value {
    const unimportable = this.unimportable(module);
    if (unimportable) throw unimportable;
    if (rename && this.proto < 3) ({ module, name } = compatRename(module, name));
    const key = `${module}\n${name}`;
    let rec = this.globals.get(key);
    if (!rec) {
      rec = recordOf(module, name, this.policy.classify(module, name), offset);
      this.globals.set(key, rec);
      if (rec.verdict !== 'safe') this.records.push(rec);
    }
    return { kind: 'global', record: rec };
  }

  private extension(code: number): Value {
    if (code <= 0) fail('EXT specifies code <= 0');
    const key = `\0ext\n${code}`;
    let rec = this.globals.get(key);
    if (!rec) {
      rec = {
        module: 'copyreg._extension_registry',
        name: String(code),
        verdict: 'extension',
        severity: 'MEDIUM',
        reason: 'a callable taken from the extension registry: invisible to any list of names',
        codeBearing: false,
        importOffset: this.opStart,
        use: 'imported',
        useOffset: null,
      };
      this.globals.set(key, rec);
      this.records.push(rec);
    }
    return { kind: 'global', record: rec };
  }

  private structuralFinding(f: StructuralFinding): void {
    this.structural.push(f);
  }

  // ---- calls ----

  /** REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST: `callee(*args)`. Returns the symbolic result. */
  private call(callee: Value, args: readonly Value[], via: string): Value {
    this.reachedCall = true;
    const at = this.opStart;
    if (callee.kind === 'global') {
      const rec = callee.record;
      noteUse(rec, 'called', at);
      this.lastGlobalCall = at;
      const role = this.callRoleOf(rec);
      if (role.attrGetter) return this.getattr(rec, role.attrGetter, args, at);
      // copyreg.__newobj__(cls, *args) is cls.__new__(cls, *args), what NEWOBJ does: for functools.partial
      // it makes the partial, whose state BUILD may then swap.
      const newArgs = rec.module === 'copyreg' ? COPYREG_NEWOBJ.get(rec.name) : undefined;
      const made = args[0];
      if (newArgs && made?.kind === 'global' && this.callRoleOf(made.record).partial) return this.call(made, newArgs(args), via);
      if (role.partial) {
        const target = args[0];
        // The wrapped callable will be called with these arguments: judge that call now, as any other.
        if (target) this.call(target, args.slice(1), `${rec.module}.${rec.name}`);
        return target ? { kind: 'partial', target, args: args.slice(1) } : { kind: 'object', origin: rec };
      }
      const loader = role.loader ?? (rec.verdict !== 'safe' ? UNLISTED_CALLEE : null);
      if (loader) this.noteLoaderCall(rec, loader, args, at);
      if (role.bytesEncoder) return this.encodeBytes(args);
      if (this.hooks && this.keepsDetails(rec)) return { kind: 'object', origin: rec, args: [...args] };
      // Protocols 0-1 create instances as copyreg._reconstructor(cls, object, None): the object is a cls.
      const cls = args[0];
      if (this.hooks && rec.name === '_reconstructor' && rec.module === 'copyreg' && cls?.kind === 'global' && this.keepsDetails(cls.record)) {
        return { kind: 'object', origin: cls.record, args: [] };
      }
      return { kind: 'object', origin: rec };
    }
    const persisted = this.persistedClass(callee);
    if (persisted) return this.call(persisted, args, via);
    // Calling a partial is calling its target: the result is whatever that call makes (a joblib array wrapper too).
    if (callee.kind === 'partial') return this.call(callee.target, [...callee.args, ...args], 'functools.partial');
    if (callee.kind === 'str' || callee.kind === 'bytes' || callee.kind === 'scalar' || callee.kind === 'tuple' || callee.kind === 'container') {
      // CPython raises TypeError here. Report it, but keep reading: being wrong about a type must not hide code.
      this.softErrors.push({ kind: 'parse', offset: at, message: `${via} calls a ${describeValue(callee)}, which is not callable` });
      return { kind: 'object', origin: null };
    }
    this.structuralFinding({
      rule: 'pickle/indirect-call',
      severity: 'MEDIUM',
      offset: at,
      description: `${via} calls a ${describeValue(callee)} rather than an imported callable`,
    });
    return { kind: 'object', origin: null };
  }

  /** hooks.keepsDetails(rec), asked once per global and run like callRoleOf. */
  private keepsDetails(rec: GlobalRecord): boolean {
    let keeps = this.kept.get(rec);
    if (keeps === undefined) {
      keeps = this.hooks?.keepsDetails(rec) === true;
      this.kept.set(rec, keeps);
    }
    return keeps;
  }

  private callRoleOf(rec: GlobalRecord): CallRole {
    let role = this.roles.get(rec);
    if (role === undefined) {
      role = this.policy.callRole(rec.module, rec.name);
      this.roles.set(rec, role);
    }
    return role;
  }

  /**
   * torch's legacy loader answers the persistent id ('module', cls, source_file, source) with cls itself, and
   * the pickle then instantiates it: that call is a call of cls, which the policy judges like any other.
   */
  private persistedClass(v: Value): Value | null {
    if (v.kind !== 'opaque' || v.pid?.kind !== 'tuple') return null;
    const [tag, cls] = v.pid.items;
    return tag && cls?.kind === 'global' && this.textOf(tag) === 'module' ? cls : null;
  }

  /**
   * getattr(G, 'name') on an imported G with a constant name is the import G.name, judged by the policy as
   * such. Anything else (an instance, whose attributes BUILD may have set; a computed name) reaches any
   * attribute at all: then getattr itself is the finding.
   */
  private getattr(rec: GlobalRecord, verdict: Classification, args: readonly Value[], at: number): Value {
    const [owner, attr] = args;
    const name = attr ? this.textOf(attr) : null;
    if (owner?.kind === 'global' && owner.record.verdict !== 'extension' && name !== null && args.length <= 3 && ATTRIBUTE.test(name)) {
      return this.resolveGlobal(owner.record.module, `${owner.record.name}.${name}`, at, false);
    }
    const key = `\0getattr\n${rec.module}\n${rec.name}`;
    let flagged = this.globals.get(key);
    if (!flagged) {
      flagged = recordOf(rec.module, rec.name, verdict, rec.importOffset);
      if (flagged.reason) flagged.reason += ` (called on ${owner ? describeValue(owner) : 'nothing'} with ${attr ? describeValue(attr) : 'no name'})`;
      noteUse(flagged, 'called', at);
      this.globals.set(key, flagged);
      if (flagged.verdict !== 'safe') this.records.push(flagged);
    }
    return { kind: 'object', origin: flagged };
  }

  private noteLoaderCall(rec: GlobalRecord, info: LoaderInfo, args: readonly Value[], at: number): void {
    const payloads = args.filter((a) => a.kind === 'bytes' || a.kind === 'str' || a.kind === 'object' || a.kind === 'opaque');
    const constant = payloads.map((p) => this.extractable(p)).filter((e): e is Extractable => e !== null);
    if (info === UNLISTED_CALLEE) {
      // Not a known loader: its bytes are scanned in case it is one nobody listed; nothing to flag otherwise.
      for (const payload of constant) this.nested.push({ loader: rec, info, callOffset: at, payload });
      return;
    }
    if (constant.length === 0) {
      this.nested.push({ loader: rec, info, callOffset: at, payload: null });
      return;
    }
    for (const payload of constant) this.nested.push({ loader: rec, info, callOffset: at, payload });
  }

  /**
   * The bytes a value stands for. A span decodes to text, and the bytes are that text's latin-1 code points:
   * for raw spans (BINBYTES) that is the bytes themselves; for a str it is what a loader given a Python 2
   * str (encoding='latin1'/'bytes') or `_codecs.encode(s, 'latin1')` reads.
   */
  private extractable(v: Value): Extractable | null {
    if (v.kind === 'bytes') {
      if (v.data) return { data: v.data };
      if (v.span) return { span: v.span };
    }
    if (v.kind === 'str') return { span: { enc: v.enc, offset: v.offset, length: v.length } };
    return null;
  }

  /** `_codecs.encode(text, 'latin1')` is how protocol 2 writes bytes: keep them as a span of the text. */
  private encodeBytes(args: readonly Value[]): Value {
    const text = args[0];
    const enc = args[1];
    const encoding = (enc ? this.textOf(enc) : null)?.toLowerCase().replace(/[-_ ]/g, '') ?? 'utf8';
    if (text && text.kind === 'str' && (encoding === 'latin1' || encoding === 'latin' || encoding === 'iso88591')) {
      return { kind: 'bytes', span: { enc: text.enc, offset: text.offset, length: text.length }, data: null };
    }
    return { kind: 'object', origin: null };
  }

  // ---- mutations of objects: APPEND(S), SETITEM(S), ADDITEMS, BUILD ----

  private mutate(target: Value, op: string, fits: 'list' | 'dict' | 'set'): void {
    if (target.kind === 'container') {
      if (target.type === fits) return;
      if (fits === 'set' && target.type === 'frozenset') {
        this.softErrors.push({ kind: 'parse', offset: this.opStart, message: `${op} on a frozenset fails in CPython` });
      }
      return;
    }
    if (target.kind === 'global') {
      this.reachedCall = true;
      noteUse(target.record, 'mutated', this.opStart);
      this.structuralFinding({
        rule: 'pickle/mutation-of-import',
        severity: 'HIGH',
        offset: this.opStart,
        module: target.record.module,
        operator: target.record.name,
        description: `${op} on the imported ${target.record.module}.${target.record.name} itself: calls its ${fits === 'list' ? 'extend/append' : fits === 'dict' ? '__setitem__' : 'add'} method`,
      });
      return;
    }
    if (target.kind === 'object' && target.origin && target.origin.verdict === 'safe') return;
    if (target.kind === 'object' && target.origin) return; // its class is already a finding of its own
    if (target.kind === 'opaque' || target.kind === 'object' || target.kind === 'partial') {
      this.structuralFinding({
        rule: 'pickle/mutation-of-import',
        severity: 'MEDIUM',
        offset: this.opStart,
        description: `${op} on a ${describeValue(target)}: calls a method of an object that is not a plain container`,
      });
      return;
    }
    this.softErrors.push({ kind: 'parse', offset: this.opStart, message: `${op} on a ${describeValue(target)} fails in CPython` });
  }

  private build(target: Value, state: Value): void {
    if (target.kind === 'object' && 'args' in target) {
      target.state = state;
      const inline = this.hooks?.afterBuild(target, this.cur.pos, this.src, (v) => this.textOf(v));
      if (inline && this.frameEnd > this.cur.pos) {
        // Python's unpickler has the whole frame buffered: joblib reads the inline data from the file after the
        // frame's end and then runs the rest of the frame. Not modelled here; reported instead.
        this.structuralFinding({
          rule: 'pickle/frame-divergence',
          severity: 'HIGH',
          offset: this.opStart,
          description: `BUILD of ${target.origin.module}.${target.origin.name} is followed by data joblib reads from the file, but its FRAME goes on to byte ${this.frameEnd}: joblib reads that data after the frame and then runs the rest of the frame, which is not what this analysis (or pickle.load) reads`,
        });
      }
      if (inline) this.readInline(inline);
      return;
    }
    if (target.kind === 'global') {
      this.reachedCall = true;
      noteUse(target.record, 'build-target', this.opStart);
      this.structuralFinding({
        rule: 'pickle/build-on-import',
        severity: 'HIGH',
        offset: this.opStart,
        module: target.record.module,
        operator: target.record.name,
        description: `BUILD sets state on the imported ${target.record.module}.${target.record.name} itself (monkey-patching), not on an object created in the stream`,
      });
      return;
    }
    if (target.kind === 'object' || target.kind === 'opaque' || target.kind === 'container') return;
    if (target.kind === 'partial') {
      this.rebindPartial(target, state);
      return;
    }
    this.softErrors.push({ kind: 'parse', offset: this.opStart, message: `BUILD on a ${describeValue(target)} fails in CPython` });
  }

  /**
   * partial.__setstate__((func, args, kwds, dict)) replaces what the partial calls. A pickled partial restores
   * its own func this way; a crafted one swaps in another (getattr, eval…) behind an allowed first target. The
   * new call is judged now, as at creation, and later calls of the partial call the new target.
   */
  private rebindPartial(partial: PartialValue, state: Value): void {
    if (state.kind === 'tuple') {
      const [func, args] = state.items;
      if (!func || state.items.length !== 4) {
        this.softErrors.push({ kind: 'parse', offset: this.opStart, message: `BUILD on a functools.partial with a ${describeValue(state)} fails in CPython (it takes 4 items)` });
        if (!func) return;
      }
      const bound = args?.kind === 'tuple' ? args.items : [];
      if (args && args.kind !== 'tuple' && args.kind !== 'object' && args.kind !== 'opaque') {
        this.softErrors.push({ kind: 'parse', offset: this.opStart, message: `BUILD on a functools.partial with arguments that are a ${describeValue(args)} fails in CPython` });
      }
      partial.target = func;
      partial.args = bound;
      this.call(func, bound, 'functools.partial.__setstate__');
      return;
    }
    if (state.kind === 'object' || state.kind === 'opaque' || state.kind === 'partial' || state.kind === 'global') {
      this.reachedCall = true;
      this.structuralFinding({
        rule: 'pickle/indirect-call',
        severity: 'MEDIUM',
        offset: this.opStart,
        description: `BUILD on a functools.partial with a ${describeValue(state)} as its state: what the partial calls from then on is computed at load time`,
      });
      return;
    }
    this.softErrors.push({ kind: 'parse', offset: this.opStart, message: `BUILD on a functools.partial with a ${describeValue(state)} fails in CPython` });
  }

  /**
   * Data the loader reads from the file itself, between two opcodes: skipped exactly, or (a nested pickle
   * that pickle.load reads with a fresh unpickler) analysed by a machine of its own whose results join this run.
   */
  private readInline(inline: InlineData): void {
    if (inline.kind === 'error') fail(inline.message);
    else if (inline.kind === 'skip') {
      if (inline.to > this.src.size) throw new EndOfData(this.cur.pos, inline.to - this.cur.pos);
      this.skippedAt.push(this.cur.pos);
      this.cur.seek(inline.to);
    } else {
      const sub = new Machine(this.src, this.policy, undefined, this.hooks);
      const budget = Math.max(1, this.limits.maxOpcodes - this.opcodes);
      const r = sub.run(inline.at, { ...this.limits, maxOpcodes: budget });
      this.opcodes += r.opcodes;
      this.records.push(...r.records);
      this.structural.push(...r.structural);
      this.nested.push(...r.nested);
      this.softErrors.push(...r.softErrors);
      this.skippedAt.push(...r.skippedAt);
      if (r.reachedCall) this.reachedCall = true;
      if (!r.stopped) throw new VmFail(r.error?.kind ?? 'parse', `inline pickle at byte ${inline.at}: ${r.error?.message ?? 'did not end'}`);
      this.cur.seek(r.end);
    }
    // Whatever follows the inline data is a new opcode, outside any frame the pickle declared.
    this.frameEnd = -1;
  }

  /** The state dict of an object whose details are kept records its items (SETITEM/SETITEMS on it). */
  private newDict(owner: Value | undefined): Value {
    if (owner?.kind === 'object' && 'args' in owner) return { kind: 'container', type: 'dict', items: new Map() };
    return DICT;
  }

  private recordItems(dict: Value, from: number): void {
    if (dict.kind !== 'container' || !('items' in dict)) return;
    for (let i = from; i + 1 < this.stack.length; i += 2) {
      if (dict.items.size >= MAX_STATE_ITEMS) return;
      const key = this.textOf(this.stack[i]!);
      if (key !== null) dict.items.set(key, this.stack[i + 1]!);
    }
  }

  // ---- the dispatch loop ----

  /**
   * The opcodes that make up nearly all of real pickles (containers, small ints and strings, the memo) run
   * here; all others go through rareOp(). This loop keeps the cursor's window and position in local variables
   * (written back before anything else reads the cursor) and reads arguments straight from the window: in
   * V8's optimised code a field of `this.cur` is reloaded and its object's shape re-checked at every use,
   * which cost more than the work of most opcodes. rareOp() is separate so that this function stays small
   * enough for V8 to inline the helpers it calls.
   */
  private loop(): Value | null {
    const cur = this.cur;
    const stack = this.stack;
    const memo = this.memo;
    const size = this.src.size;
    const maxOps = this.limits.maxOpcodes;
    const maxStack = this.maxStack;
    const widths = FIXED_ARGUMENT;
    // The window: buf[k] is the source byte at base + k; i is the next byte to read. `end` is buf.length, kept
    // with it: a typed array's length is a getter, which costs as much as the rest of a simple opcode until V8
    // optimises this loop, and the first scan of a file runs mostly before that.
    let buf = cur.buf;
    let end = buf.length;
    let base = cur.bufStart;
    let i = cur.i;
    for (;;) {
      if (end - i <= MAX_FIXED_ARGUMENT) {
        cur.i = i;
        cur.ensure(MAX_FIXED_ARGUMENT + 1);
        buf = cur.buf;
        end = buf.length;
        base = cur.bufStart;
        i = cur.i;
      }
      const opStart = base + i;
      this.opStart = opStart;
      if (++this.opcodes > maxOps) throw new VmFail('limit', `more than ${maxOps} opcodes`);
      if (i >= end) return this.halt(new EndOfData(opStart, 1));
      const op = buf[i]!;
      // The opcode's fixed-width argument is in the window, or the data ends inside it.
      const arg = i + 1;
      i = arg + widths[op]!;
      if (i > end) return this.halt(new EndOfData(opStart + 1, widths[op]!));
      let v: Value;
      switch (op) {
        case 0x28: // MARK
          if (this.marks.length >= this.limits.maxMarks) throw new VmFail('limit', `MARK nesting deeper than ${this.limits.maxMarks}`);
          this.marks.push(stack.length);
          this.fence = stack.length;
          continue;
        case 0x2e: { // STOP
          cur.i = i;
          // load() pops the result: an empty stack (above the fence) is an underflow.
          const result = this.pop();
          this.checkFrame();
          return result;
        }
        case 0x4e: // NONE
          v = NONE;
          break;
        case 0x88: // NEWTRUE
        case 0x89: // NEWFALSE
          v = BOOL;
          break;
        case 0x4a: // BININT
          v = int32Value(buf[arg]! | (buf[arg + 1]! << 8) | (buf[arg + 2]! << 16) | (buf[arg + 3]! << 24));
          break;
        case 0x4b: // BININT1
          v = int32Value(buf[arg]!);
          break;
        case 0x4d: // BININT2
          v = int32Value(buf[arg]! | (buf[arg + 1]! << 8));
          break;
        case 0x47: // BINFLOAT
          v = FLOAT;
          break;
        // Text and bytes payloads are located, not read: the position moves past them (see binText()).
        case 0x58: // BINUNICODE
        case 0x8c: // SHORT_BINUNICODE
        case 0x42: // BINBYTES
        case 0x43: { // SHORT_BINBYTES
          const length = op === 0x58 || op === 0x42 ? (buf[arg]! | (buf[arg + 1]! << 8) | (buf[arg + 2]! << 16) | (buf[arg + 3]! << 24)) >>> 0 : buf[arg]!;
          const offset = base + i;
          if (length > size - offset) return this.halt(new EndOfData(offset, length));
          v = op === 0x58 || op === 0x8c ? { kind: 'str', text: null, enc: 'utf8', offset, length } : { kind: 'bytes', span: { enc: 'raw', offset, length }, data: null };
          i += length;
          if (i > end) {
            // The payload runs past the window: continue reading after it.
            cur.seek(offset + length);
            buf = cur.buf;
            end = buf.length;
            base = cur.bufStart;
            i = cur.i;
          }
          break;
        }
        case 0x29: // EMPTY_TUPLE
          v = EMPTY_TUPLE;
          break;
        case 0x74: // TUPLE
          v = tupleOf(this.popTo(this.marker()));
          break;
        case 0x85: // TUPLE1
          v = tupleOf([this.pop()]);
          break;
        case 0x86: { // TUPLE2
          const b = this.pop();
          v = tupleOf([this.pop(), b]);
          break;
        }
        case 0x87: { // TUPLE3
          const c = this.pop();
          const b = this.pop();
          v = tupleOf([this.pop(), b, c]);
          break;
        }
        case 0x5d: // EMPTY_LIST
          v = LIST;
          break;
        case 0x7d: // EMPTY_DICT
          v = this.hooks ? this.newDict(stack[stack.length - 1]) : DICT;
          break;
        case 0x61: { // APPEND
          if (stack.length - 1 <= this.fence) fail('unpickling stack underflow');
          stack.pop();
          const target = stack[stack.length - 1]!;
          if (target !== LIST) this.mutate(target, 'APPEND', 'list');
          continue;
        }
        case 0x65: { // APPENDS
          const mark = this.marker();
          if (mark > stack.length || mark <= this.fence) fail('unpickling stack underflow');
          const n = stack.length - mark;
          this.dropTo(mark);
          if (n > 0 && stack[mark - 1] !== LIST) this.mutateAt(mark - 1, 'APPENDS', 'list');
          continue;
        }
        case 0x73: { // SETITEM
          if (stack.length - 2 <= this.fence) fail('unpickling stack underflow');
          const target = stack[stack.length - 3]!;
          if (target !== DICT) this.recordItems(target, stack.length - 2);
          stack.length -= 2;
          if (target !== DICT) this.mutate(target, 'SETITEM', 'dict');
          continue;
        }
        case 0x75: { // SETITEMS
          const mark = this.marker();
          if (mark > stack.length || mark <= this.fence) fail('unpickling stack underflow');
          const n = stack.length - mark;
          if (n % 2 !== 0) fail('odd number of items for SETITEMS');
          const target = stack[mark - 1];
          if (n > 0 && target !== DICT) this.recordItems(target!, mark);
          this.dropTo(mark);
          if (n > 0 && target !== DICT) this.mutateAt(mark - 1, 'SETITEMS', 'dict');
          continue;
        }
        case 0x71: // BINPUT
          this.memoPut(buf[arg]!);
          if (base + i > this.frameEnd) this.checkFrame(base + i);
          continue;
        case 0x72: // LONG_BINPUT
          this.memoPut((buf[arg]! | (buf[arg + 1]! << 8) | (buf[arg + 2]! << 16) | (buf[arg + 3]! << 24)) >>> 0);
          if (base + i > this.frameEnd) this.checkFrame(base + i);
          continue;
        case 0x94: // MEMOIZE
          this.memoPut(memo.size);
          continue;
        case 0x68: // BINGET
          v = this.memoGet(buf[arg]!);
          break;
        case 0x6a: // LONG_BINGET
          v = this.memoGet((buf[arg]! | (buf[arg + 1]! << 8) | (buf[arg + 2]! << 16) | (buf[arg + 3]! << 24)) >>> 0);
          break;
        default: {
          cur.i = i;
          const halt = this.rareOp(op);
          if (halt) return this.halt(halt);
          buf = cur.buf;
          end = buf.length;
          base = cur.bufStart;
          i = cur.i;
          if (base + i > this.frameEnd) this.checkFrame(base + i);
          continue;
        }
      }
      if (stack.length >= maxStack) throw new VmFail('limit', `stack deeper than ${maxStack} items`);
      stack.push(v);
      // Only opcodes with arguments can cross the end of a frame: the others `continue` above without checking.
      if (base + i > this.frameEnd) this.checkFrame(base + i);
    }
  }

  /** Every opcode loop() leaves out, read through the cursor's methods (the cursor is past the opcode byte). */
  private rareOp(op: number): Halt | undefined {
    const cur = this.cur;
    switch (op) {
      case 0x30: // POP
        // load_pop: a mark sitting exactly at the top is popped instead of an object.
        if (this.marks.length > 0 && this.marks[this.marks.length - 1] === this.stack.length) this.marker();
        else this.pop();
        break;
      case 0x31: // POP_MARK
        this.dropTo(this.marker());
        break;
      case 0x32: // DUP
        this.push(this.top());
        break;
      case 0x46: // FLOAT
        if (!parseFloatLine(this.shortLine('FLOAT'))) return new VmFail('parse', 'could not convert string to float');
        this.push(FLOAT);
        break;
      case 0x49: { // INT
        const plain = this.plainIntLine();
        if (plain !== null) {
          this.push(plain);
          break;
        }
        const l = this.shortLine('INT');
        if (l.length < 1) return new VmFail('parse', 'pickle data was truncated (empty INT line)');
        const r = parseIntLine(l);
        const text = l.toString('latin1');
        if (r === null) return new VmFail('parse', `invalid literal for int(): ${JSON.stringify(text.slice(0, 40))}`);
        this.push(r === 'bool' ? BOOL : /^\s*[-+]?\d{1,15}\s*$/.test(text) ? intValue(parseInt(text, 10)) : INT);
        break;
      }
      case 0x4c: { // LONG
        const l = this.shortLine('LONG');
        if (l.length < 1) return new VmFail('parse', 'pickle data was truncated (empty LONG line)');
        if (!parseLongLine(l)) return new VmFail('parse', `invalid literal for int(): ${JSON.stringify(l.toString('latin1').slice(0, 40))}`);
        this.push(INT);
        break;
      }
      case 0x8a: { // LONG1
        const n = cur.readUInt8();
        // Little-endian two's complement; up to 6 bytes always fit a double exactly.
        this.push(n === 0 ? intValue(0) : n <= 6 ? intValue(cur.readBytes(n).readIntLE(0, n)) : (cur.skip(n), INT));
        break;
      }
      case 0x8b: { // LONG4
        const n = cur.readInt32LE();
        if (n < 0) return new VmFail('parse', 'LONG pickle has negative byte count');
        const length = this.declaredLength(n, 'LONG4');
        if (typeof length !== 'number') return length;
        cur.skip(length);
        this.push(INT);
        break;
      }
      case 0x53: { // STRING
        const offset = cur.pos;
        const { text: l, length } = this.readLine();
        if (length <= KEEP_TEXT) {
          const decoded = decodeStringLine(l);
          if (decoded === null) return new VmFail('parse', 'the STRING opcode argument must be quoted');
          this.push({ kind: 'str', text: decoded!.toString('latin1'), enc: 'string-escape', offset, length });
        } else {
          const q = l[0];
          if (q !== 0x27 && q !== 0x22) return new VmFail('parse', 'the STRING opcode argument must be quoted');
          this.push({ kind: 'str', text: null, enc: 'string-escape', offset, length });
        }
        break;
      }
      case 0x54: { // BINSTRING
        const n = cur.readInt32LE();
        if (n < 0) return new VmFail('parse', 'BINSTRING pickle has negative byte count');
        const length = this.declaredLength(n, 'BINSTRING');
        if (typeof length !== 'number') return length;
        this.push(this.binText(length, 'raw'));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        this.push(this.binText(cur.readUInt8(), 'raw'));
        break;
      case 0x56: { // UNICODE
        const offset = cur.pos;
        const { text: l, length } = this.readLine();
        if (length <= KEEP_TEXT) {
          const s = decodeRawUnicodeEscape(l);
          if (s === null) return new VmFail('parse', "'rawunicodeescape' codec can't decode the UNICODE argument");
          this.push({ kind: 'str', text: s, enc: 'raw-unicode-escape', offset, length });
        } else {
          this.push({ kind: 'str', text: null, enc: 'raw-unicode-escape', offset, length });
        }
        break;
      }
      case 0x8d: // BINUNICODE8
      {
        const length = this.declaredLength(cur.readUInt64LE(), 'BINUNICODE8');
        if (typeof length !== 'number') return length;
        this.push(this.binText(length, 'utf8'));
      }
        break;
      case 0x8e: // BINBYTES8
      {
        const length = this.declaredLength(cur.readUInt64LE(), 'BINBYTES8');
        if (typeof length !== 'number') return length;
        this.push(this.binBytes(length));
      }
        break;
      case 0x96: { // BYTEARRAY8
        const n = this.declaredLength(cur.readUInt64LE(), 'BYTEARRAY8');
        if (typeof n !== 'number') return n;
        const v = this.binBytes(n);
        this.push(v);
        break;
      }
      case 0x97: // NEXT_BUFFER
        // CPython raises unless the caller passed buffers=; torch and joblib do not. Keep reading either way.
        this.push(BUFFER);
        break;
      case 0x98: // READONLY_BUFFER
        this.top();
        break;
      case 0x6c: // LIST
        this.dropTo(this.marker());
        this.push(LIST);
        break;
      case 0x64: { // DICT
        const mark = this.marker();
        if ((this.stack.length - mark) % 2 !== 0) return new VmFail('parse', 'odd number of items for DICT');
        const dict = this.hooks ? this.newDict(this.stack[mark - 1]) : DICT;
        if (dict !== DICT) this.recordItems(dict, mark);
        this.dropTo(mark);
        this.push(dict);
        break;
      }
      case 0x8f: // EMPTY_SET
        this.push(SET);
        break;
      case 0x91: // FROZENSET
        this.dropTo(this.marker());
        this.push(FROZENSET);
        break;
      case 0x90: { // ADDITEMS
        const mark = this.marker();
        if (mark === 0 || mark <= this.fence) return new VmFail('parse', 'unpickling stack underflow');
        const n = this.stack.length - mark;
        this.dropTo(mark);
        if (n > 0) this.mutateAt(mark - 1, 'ADDITEMS', 'set');
        break;
      }
      case 0x62: { // BUILD
        if (this.stack.length - 2 < this.fence) return new VmFail('parse', 'unpickling stack underflow');
        const state = this.pop();
        this.build(this.top(), state);
        break;
      }
      case 0x63: { // GLOBAL
        const m = this.nameLine('GLOBAL module');
        if (typeof m !== 'string') return m;
        const n = this.nameLine('GLOBAL name');
        if (typeof n !== 'string') return n;
        const unimportable = this.unimportable(m);
        if (unimportable) return unimportable;
        this.push(this.resolveGlobal(m, n, this.opStart));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = this.pop();
        const module = this.pop();
        this.push(this.stackGlobal(module, name));
        break;
      }
      case 0x69: { // INST
        const mark = this.marker();
        const m = this.nameLine('INST module');
        if (typeof m !== 'string') return m;
        const n = this.nameLine('INST class');
        if (typeof n !== 'string') return n;
        const unimportable = this.unimportable(m);
        if (unimportable) return unimportable;
        const cls = this.resolveGlobal(m, n, this.opStart);
        const args = this.popTo(mark);
        this.push(this.call(cls, args, 'INST'));
        break;
      }
      case 0x6f: { // OBJ
        const mark = this.marker();
        if (this.stack.length - mark < 1) return new VmFail('parse', 'unpickling stack underflow');
        const items = this.popTo(mark);
        this.push(this.call(items[0]!, items.slice(1), 'OBJ'));
        break;
      }
      case 0x52: { // REDUCE
        const args = this.pop();
        const callee = this.pop();
        this.push(this.call(callee, this.argsOf(args, 'REDUCE'), 'REDUCE'));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = this.pop();
        const cls = this.pop();
        if (args.kind !== 'tuple' && args.kind !== 'object' && args.kind !== 'opaque') return new VmFail('parse', 'NEWOBJ expected an arg tuple.');
        this.push(this.call(cls, this.argsOf(args, 'NEWOBJ'), 'NEWOBJ'));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        this.pop(); // kwargs
        const args = this.pop();
        const cls = this.pop();
        this.push(this.call(cls, this.argsOf(args, 'NEWOBJ_EX'), 'NEWOBJ_EX'));
        break;
      }
      case 0x82: // EXT1
        this.push(this.extension(cur.readUInt8()));
        break;
      case 0x83: // EXT2
        this.push(this.extension(cur.readUInt16LE()));
        break;
      case 0x84: // EXT4
        this.push(this.extension(cur.readInt32LE()));
        break;
      case 0x50: // PERSID
        this.shortLine('PERSID');
        this.push(PERSISTENT);
        break;
      case 0x51: { // BINPERSID
        const pid = this.pop();
        if (this.collectIds && this.persistentIds.length < MAX_PERSISTENT_IDS) this.persistentIds.push(pid);
        this.push({ kind: 'opaque', what: 'persistent', pid });
        break;
      }
      case 0x70: { // PUT
        const idx = parseMemoIndex(this.shortLine('PUT').toString('latin1'));
        if (idx === null || idx < 0) return new VmFail('parse', 'negative or invalid PUT argument');
        this.memoPut(idx!);
        break;
      }
      case 0x67: { // GET
        const idx = parseMemoIndex(this.shortLine('GET').toString('latin1'));
        this.push(this.memoGet(idx));
        break;
      }
      case 0x80: { // PROTO
        const p = cur.readUInt8();
        if (p > HIGHEST_PROTOCOL) return new VmFail('parse', `unsupported pickle protocol: ${p}`);
        this.proto = p;
        break;
      }
      case 0x95: { // FRAME
        const len = this.declaredLength(cur.readUInt64LE(), 'FRAME');
        if (typeof len !== 'number') return len;
        // The C unpickler reads the whole frame and rewinds: opcodes are then read linearly, as here.
        // A frame reaching past the current one is read differently by the C and Python unpicklers.
        const end = cur.pos + len;
        if (this.frameEnd > this.opStart && end > this.frameEnd) this.frameDivergence('a FRAME extends past the enclosing frame');
        this.frameEnd = end;
        break; // the FRAME opcode itself is inside the previous frame's accounting, already checked
      }
      default:
        return new VmFail('parse', INVALID_LOAD_KEY[op]!);
    }
  }

  /** An opcode (at opStart, its bytes ending at `end`) crosses the end of the current frame: pickle.py raises, _pickle reads on. */
  private checkFrame(end: number = this.cur.pos): void {
    if (end > this.frameEnd && this.frameEnd > this.opStart) {
      this.frameDivergence(`${this.currentOpName()} at byte ${this.opStart} crosses the end of its FRAME at byte ${this.frameEnd}`);
    }
  }

  private frameDivergence(detail: string): void {
    if (this.frameDivergenceReported) return;
    this.frameDivergenceReported = true;
    this.structuralFinding({
      rule: 'pickle/frame-divergence',
      severity: 'HIGH',
      offset: this.opStart,
      description: `${detail}: CPython's C and Python unpicklers (and scanners built on pickletools) read this stream differently`,
    });
  }

  private nameLine(what: string): string | VmFail {
    const l = this.shortLine(what);
    if (l.length < 1) return new VmFail('parse', `pickle data was truncated (empty ${what} line)`);
    return decodeUtf8Strict(l) ?? new VmFail('parse', `${what} is not valid UTF-8`);
  }

  private stackGlobal(module: Value, name: Value): Value {
    const m = this.textOf(module);
    const n = this.textOf(name);
    if (m !== null && n !== null) return this.resolveGlobal(m, n, this.opStart);
    // CPython requires both operands to be str at run time; a computed str passes that check, so an
    // operand we cannot know statically is an import of an unknown name. One that is surely not a str makes
    // CPython raise here: say so too.
    for (const v of [module, name]) {
      if (v.kind !== 'str' && v.kind !== 'object' && v.kind !== 'opaque') {
        this.softErrors.push({ kind: 'parse', offset: this.opStart, message: `STACK_GLOBAL requires str operands, got a ${describeValue(v)}` });
        break;
      }
    }
    this.structuralFinding({
      rule: 'pickle/dynamic-global',
      severity: 'HIGH',
      offset: this.opStart,
      description: `STACK_GLOBAL imports a name that is not a constant string (module: ${describeValue(module)}, name: ${describeValue(name)})`,
    });
    const rec: GlobalRecord = {
      module: m ?? '<computed>',
      name: n ?? '<computed>',
      verdict: 'unknown',
      severity: 'HIGH',
      reason: 'computed import',
      codeBearing: false,
      importOffset: this.opStart,
      use: 'imported',
      useOffset: null,
    };
    // Not added to records: the structural finding is the report; the record tracks uses of the result.
    return { kind: 'global', record: rec };
  }

  private argsOf(args: Value, via: string): readonly Value[] {
    if (args.kind === 'tuple') return args.items;
    if (via === 'REDUCE' && args.kind !== 'object' && args.kind !== 'opaque') {
      this.softErrors.push({ kind: 'parse', offset: this.opStart, message: `${via} arguments are a ${describeValue(args)}, not a tuple` });
    }
    return [];
  }

  private mutateAt(index: number, op: string, fits: 'list' | 'dict' | 'set'): void {
    const target = this.stack[index];
    if (target === undefined) fail('unpickling stack underflow');
    this.mutate(target!, op, fits);
  }

  /**
   * PassHost.global for quick-pass.ts: GLOBAL's lines read and checked as rareOp() reads them, and the global
   * allowed only where calling it would do nothing but make an object (call()): allowed by the policy, no role
   * (getattr, partial, a loader, a bytes encoder), no details kept by the hooks, not copyreg's constructors.
   * Never throws: whatever is unusual is the full reading's to report.
   */
  private quickGlobal(opStart: number, protocol: number): GlobalRecord | null {
    let m: string | VmFail;
    let n: string | VmFail;
    try {
      m = this.nameLine('GLOBAL module');
      n = typeof m === 'string' ? this.nameLine('GLOBAL name') : m;
    } catch (e) {
      if (e instanceof VmFail || e instanceof EndOfData) return null;
      throw e;
    }
    if (typeof m !== 'string' || typeof n !== 'string' || this.unimportable(m)) return null;
    const { module, name } = protocol < 3 ? compatRename(m, n) : { module: m, name: n };
    const key = `${module}\n${name}`;
    let rec = this.quickCallees.get(key);
    if (rec === undefined) {
      rec = null;
      const c = this.policy.classify(module, name);
      const role = this.policy.callRole(module, name);
      if (c.verdict === 'safe' && module !== 'copyreg' && !role.attrGetter && !role.partial && !role.loader && !role.bytesEncoder) {
        const made = recordOf(module, name, c, opStart);
        if (this.hooks?.keepsDetails(made) !== true) rec = made;
      }
      this.quickCallees.set(key, rec);
    }
    return rec;
  }

  private memoPut(idx: number): void {
    if (!this.memo.set(idx, this.top())) throw new VmFail('limit', `memo larger than ${this.limits.maxMemo} entries`);
  }

  private memoGet(idx: number | null): Value {
    const v = idx === null ? undefined : this.memo.get(idx);
    if (v === undefined) return fail(`Memo value not found at index ${idx ?? '?'}`);
    return v;
  }
}
