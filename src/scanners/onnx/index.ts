/**
 * ONNX models: tensors whose external data points outside the model's directory (CVE-2022-25882,
 * CVE-2024-27318: onnx.load reads, and onnx.save writes, whatever `location` names), Python operators
 * (PythonOp, PyOp run Python in the runtime) and operators of custom domains (native code from a library).
 * Every graph is walked: the main graph, sub-graphs in node attributes (If, Loop, Scan), training graphs
 * and model-local functions.
 */
import { posix, win32 } from 'node:path';
import { type Emitter, formatScanner, FormatError } from '../emit.js';
import { decodeMessage, messageType, readPruned } from '../protobuf.js';
import { ONNX_PRUNE, ONNX_SCHEMA } from './schema.js';

export const ONNX_RULES = {
  externalData: 'onnx/external-data-path',
  pythonOp: 'onnx/python-op',
  customOp: 'onnx/custom-op',
} as const;

/** Domains of the ONNX standard and of ONNX Runtime's built-in contrib operators. */
const STANDARD_DOMAINS = new Set(['', 'ai.onnx', 'ai.onnx.ml', 'ai.onnx.training', 'ai.onnx.preview.training', 'com.microsoft', 'com.microsoft.nchwc', 'com.microsoft.experimental', 'com.ms.internal.nhwc']);
const PYTHON_OPS = new Set(['PythonOp', 'PythonOpGrad', 'PyOp']);

interface Tensor {
  name?: string;
  external_data?: { key?: string; value?: string }[];
  data_location?: number;
}
interface Sparse {
  values?: Tensor;
  indices?: Tensor;
}
interface Attribute {
  name?: string;
  t?: Tensor;
  g?: Graph;
  tensors?: Tensor[];
  graphs?: Graph[];
  sparse_tensor?: Sparse;
  sparse_tensors?: Sparse[];
}
interface Node {
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: Attribute[];
}
interface Graph {
  name?: string;
  node?: Node[];
  initializer?: Tensor[];
  sparse_initializer?: Sparse[];
}
interface Model {
  ir_version?: string;
  graph?: Graph;
  training_info?: { initialization?: Graph; algorithm?: Graph }[];
  functions?: { name?: string; domain?: string; node?: Node[] }[];
}

export const onnxScanner = formatScanner('onnx', ['onnx'], (src, ctx, em) => {
  const buf = readPruned(src, ONNX_PRUNE, ctx.limits.formats, 'the ONNX model');
  const model = decodeMessage(messageType(ONNX_SCHEMA, 'onnx.ModelProto'), buf, 'the ONNX model') as Model;
  if (!model.graph && (model.functions ?? []).length === 0) throw new FormatError('parse', 'no graph: not an ONNX model a runtime can load');
  checkModel(model, em, ctx.limits.formats.maxTreeDepth);
});

function checkModel(model: Model, em: Emitter, maxDepth: number): void {
  const localFunctions = new Set((model.functions ?? []).map((f) => `${f.domain ?? ''}\n${f.name ?? ''}`));
  const stack: { graph: Graph; where: string; depth: number }[] = [];
  if (model.graph) stack.push({ graph: model.graph, where: 'main graph', depth: 0 });
  for (const [i, t] of (model.training_info ?? []).entries()) {
    if (t.initialization) stack.push({ graph: t.initialization, where: `training_info[${i}] initialization`, depth: 0 });
    if (t.algorithm) stack.push({ graph: t.algorithm, where: `training_info[${i}] algorithm`, depth: 0 });
  }
  for (const f of model.functions ?? []) stack.push({ graph: { node: f.node ?? [] }, where: `function ${f.domain ?? ''}.${f.name ?? ''}`, depth: 0 });
  const seen = new Set<string>();
  const finding = (severity: 'CRITICAL' | 'HIGH' | 'MEDIUM', rule: string, description: string, extra: { module?: string; operator?: string } = {}): void => {
    if (seen.has(description) || seen.size >= 200) return;
    seen.add(description);
    em.finding(severity, rule, description, extra);
  };
  while (stack.length > 0) {
    const { graph, where, depth } = stack.pop()!;
    if (depth > maxDepth) {
      em.error('limit', `sub-graphs nested deeper than ${maxDepth} levels in ${where} were not checked`);
      continue;
    }
    const tensors: Tensor[] = [...(graph.initializer ?? []), ...(graph.sparse_initializer ?? []).flatMap(sparseParts)];
    for (const node of graph.node ?? []) {
      const op = node.op_type ?? '';
      const domain = node.domain ?? '';
      const at = `node ${JSON.stringify(node.name ?? '')} in ${where}`;
      if (PYTHON_OPS.has(op)) {
        finding('CRITICAL', ONNX_RULES.pythonOp, `${domain ? `${domain}.` : ''}${op} operator (${at}) runs Python code in the runtime`, { module: domain, operator: op });
      } else if (!STANDARD_DOMAINS.has(domain) && !localFunctions.has(`${domain}\n${op}`)) {
        finding('MEDIUM', ONNX_RULES.customOp, `operator ${op} of the custom domain ${JSON.stringify(domain)} (${at}) needs a native library registered with the runtime`, { module: domain, operator: op });
      }
      for (const a of node.attribute ?? []) {
        const sub = `${where} > ${node.name || op}.${a.name ?? ''}`;
        if (a.g) stack.push({ graph: a.g, where: sub, depth: depth + 1 });
        for (const g of a.graphs ?? []) stack.push({ graph: g, where: sub, depth: depth + 1 });
        if (a.t) tensors.push(a.t);
        tensors.push(...(a.tensors ?? []));
        if (a.sparse_tensor) tensors.push(...sparseParts(a.sparse_tensor));
        for (const s of a.sparse_tensors ?? []) tensors.push(...sparseParts(s));
      }
    }
    for (const t of tensors) {
      const location = (t.external_data ?? []).filter((e) => e.key === 'location').map((e) => e.value ?? '');
      for (const loc of location) {
        const why = externalDataProblem(loc);
        if (why) finding('HIGH', ONNX_RULES.externalData, `tensor ${JSON.stringify(t.name ?? '')} in ${where} keeps its data at ${JSON.stringify(loc.slice(0, 200))}, ${why}: loading reads that file (saving writes it)`);
      }
      if (t.data_location === 1 && location.length === 0) {
        em.error('parse', `tensor ${JSON.stringify(t.name ?? '')} in ${where} has external data without a location`);
      }
    }
  }
}

function sparseParts(s: Sparse): Tensor[] {
  return [s.values, s.indices].filter((t): t is Tensor => t !== undefined);
}

/**
 * Why an external data location leaves the model's directory, or null. ONNX joins it to the model's
 * directory: absolute paths replace that directory, `..` climbs out of it (also after a prefix, `sub/../../x`),
 * on either separator since the model may be loaded on Windows.
 */
export function externalDataProblem(loc: string): string | null {
  if (loc === '') return 'an empty path (the model directory itself)';
  if (loc.includes('\0')) return 'a path with a NUL byte';
  if (posix.isAbsolute(loc) || win32.isAbsolute(loc) || /^[A-Za-z]:/.test(loc)) return 'an absolute path';
  if (loc.startsWith('~')) return 'a path in a home directory';
  const normal = posix.normalize(loc.replace(/\\/g, '/'));
  if (normal === '..' || normal.startsWith('../')) return 'a path outside the model directory';
  if (loc.split(/[\\/]/).includes('..')) return 'a path that walks through ".."';
  return null;
}
