/**
 * Judges the ops of a decoded TensorFlow graph: the graph's own nodes and the nodes of every function in
 * its library (tf.function bodies live there, and an op only there runs as surely as one in the graph).
 * Constant string inputs of file ops are resolved within the same node list, which is how TensorFlow wires
 * a checkpoint prefix or a file name into SaveV2, WriteFile and friends.
 */
import type { Severity } from '../../types.js';
import { FILE_IO_OPS, PATH_OPS, PYTHON_OPS, STANDARD_OPS } from './ops.js';

export const SAVEDMODEL_RULES = {
  pythonOp: 'savedmodel/python-op',
  fileOp: 'savedmodel/file-io-op',
  unsafePath: 'savedmodel/unsafe-path',
  unknownOp: 'savedmodel/unknown-op',
} as const;

export interface GraphIssue {
  severity: Severity;
  rule: string;
  description: string;
  operator: string;
}

/** The decoded shapes this module reads (protobufjs plain objects of schema.ts). */
export interface NodeDef {
  name?: string;
  op?: string;
  input?: string[];
  attr?: Record<string, AttrValue>;
}
interface AttrValue {
  tensor?: { dtype?: number; string_val?: Uint8Array[] };
}
export interface FunctionDef {
  signature?: { name?: string };
  node_def?: NodeDef[];
}
export interface GraphDef {
  node?: NodeDef[];
  library?: { function?: FunctionDef[] };
}

const DT_STRING = 7;
const MAX_ISSUES = 200;

/** Checks every node list of `graphs` (one per meta graph). */
export function checkGraphs(graphs: readonly GraphDef[]): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const seen = new Set<string>();
  const add = (i: GraphIssue): void => {
    const key = `${i.rule}\n${i.description}`;
    if (!seen.has(key) && issues.length < MAX_ISSUES) {
      seen.add(key);
      issues.push(i);
    }
  };
  const functionNames = new Set<string>();
  for (const g of graphs) for (const f of g.library?.function ?? []) if (f.signature?.name) functionNames.add(f.signature.name);
  for (const g of graphs) {
    checkNodes(g.node ?? [], 'graph', functionNames, add);
    for (const f of g.library?.function ?? []) checkNodes(f.node_def ?? [], `function ${f.signature?.name ?? '?'}`, functionNames, add);
  }
  return issues;
}

function checkNodes(nodes: readonly NodeDef[], where: string, functionNames: Set<string>, add: (i: GraphIssue) => void): void {
  const constants = new Map<string, string[]>();
  const byName = new Map<string, NodeDef>();
  for (const n of nodes) {
    if (n.name) byName.set(n.name, n);
    const t = n.attr?.['value']?.tensor;
    if (n.op === 'Const' && n.name && t?.dtype === DT_STRING) constants.set(n.name, (t.string_val ?? []).map((b) => Buffer.from(b).toString('utf8')));
  }
  for (const n of nodes) {
    const op = n.op ?? '';
    const at = `node ${JSON.stringify(n.name ?? '')} in ${where}`;
    if (PYTHON_OPS.has(op)) {
      add({ severity: 'CRITICAL', rule: SAVEDMODEL_RULES.pythonOp, operator: op, description: `${op} op (${at}): runs a Python function when the graph executes` });
    } else if (FILE_IO_OPS.has(op)) {
      add({ severity: 'HIGH', rule: SAVEDMODEL_RULES.fileOp, operator: op, description: `${op} op (${at}): ${op === 'ReadFile' ? 'reads' : 'writes'} a file when the graph executes` });
    } else if (op !== '' && !STANDARD_OPS.has(op) && !PATH_OPS.has(op) && !functionNames.has(op)) {
      add({ severity: 'MEDIUM', rule: SAVEDMODEL_RULES.unknownOp, operator: op, description: `op ${op} (${at}) is not a standard TensorFlow op: a custom op is native code loaded from a library` });
    }
    if (PATH_OPS.has(op)) {
      for (const value of constantsFeeding(n, byName, constants)) {
        const why = unsafePath(value);
        if (why) add({ severity: 'HIGH', rule: SAVEDMODEL_RULES.unsafePath, operator: op, description: `${op} op (${at}) gets the constant path ${JSON.stringify(value.slice(0, 200))}, ${why}` });
      }
    }
  }
}

/** Ops through which a path is built from other strings (tf.saved_model writes prefix + "_temp/part"). */
const STRING_BUILDERS = new Set(['StringJoin', 'ShardedFilename', 'ShardedFilespec', 'Identity', 'IdentityN', 'StringFormat', 'Add', 'AddV2', 'Snapshot', 'StopGradient']);
/** Enough to follow any real path-building chain; a hostile graph cannot make this loop or explode. */
const MAX_TRACE = 256;

/** The string constants a node's inputs come from, directly or through string-building ops. */
function constantsFeeding(n: NodeDef, byName: Map<string, NodeDef>, constants: Map<string, string[]>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const queue = [...(n.input ?? [])];
  while (queue.length > 0 && seen.size < MAX_TRACE) {
    const name = producer(queue.shift()!);
    if (seen.has(name)) continue;
    seen.add(name);
    const values = constants.get(name);
    if (values) out.push(...values);
    const src = byName.get(name);
    if (src && STRING_BUILDERS.has(src.op ?? '')) queue.push(...(src.input ?? []));
  }
  return out;
}

/** The node an input names: `^ctl`, `node:0` (graphs) and `node:output:0` (functions) all mean `node`. */
function producer(input: string): string {
  const s = input.startsWith('^') ? input.slice(1) : input;
  const colon = s.indexOf(':');
  return colon < 0 ? s : s.slice(0, colon);
}

/** Why a path handed to a file op leaves the model's own directory, or null when it does not. */
export function unsafePath(p: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) return 'a remote location';
  if (p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('~')) return 'an absolute path outside the model';
  if (p.split(/[\\/]/).includes('..')) return 'a path that climbs out of the model directory';
  return null;
}
