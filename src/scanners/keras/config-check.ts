/**
 * Checks a parsed Keras configuration tree: the `model_config` / `training_config` of an H5 file, the
 * config.json / metadata.json of a `.keras` zip, or the per-object metadata JSON of a SavedModel's
 * keras_metadata.pb. Every place a Keras loader turns configuration into code is looked for:
 *
 * - Lambda layers (Keras 2 marshals their bytecode into the config; Keras 3 `__lambda__` function objects),
 * - `module` / `fn_module` naming a package outside Keras' own (CVE-2025-1550: Keras imports the module and
 *   calls what `class_name` names in it),
 * - `keras.utils.get_file` and URLs (CVE-2025-8747: the loader fetches remote files),
 * - references to `enable_unsafe_deserialization` (CVE-2025-9906: the config switches safe mode off),
 * - `TorchModuleWrapper` layers (CVE-2025-49655: they torch.load a pickle from the config).
 *
 * The walk is iterative and bounded (depth, node count), so a hostile tree can neither overflow the stack
 * nor take unbounded time.
 */
import type { Severity } from '../../types.js';

export const KERAS_RULES = {
  lambda: 'keras/lambda-layer',
  module: 'keras/unsafe-module',
  custom: 'keras/custom-object',
  remote: 'keras/remote-fetch',
  unsafeDeser: 'keras/unsafe-deserialization',
  torchWrapper: 'keras/torch-module-wrapper',
  member: 'keras/unexpected-member',
} as const;

export interface KerasIssue {
  severity: Severity;
  rule: string;
  description: string;
  module?: string;
  operator?: string;
}

export interface TreeLimits {
  maxTreeDepth: number;
  maxTreeNodes: number;
}

export interface TreeCheck {
  issues: KerasIssue[];
  /** Set when a bound stopped the walk: the rest of the tree was not checked. */
  limitHit?: string;
}

/** Top-level packages Keras itself deserialises from (threats D-48). */
const SAFE_ROOTS = new Set(['keras', 'tensorflow', 'tf_keras', 'tf', 'numpy', 'math']);
/** Keras' own extension libraries: not core, but published by the Keras team; reported at MEDIUM. */
const KERAS_FAMILY = new Set(['keras_hub', 'keras_nlp', 'keras_cv', 'keras_rs']);
/** Packages whose functions run commands, load code or touch files and the network: CRITICAL. */
const DANGEROUS_ROOTS = new Set([
  'os', 'posix', 'nt', 'subprocess', 'sys', 'builtins', '__builtin__', '__builtins__', 'importlib', 'shutil',
  'socket', 'pty', 'runpy', 'pickle', '_pickle', 'cPickle', 'dill', 'cloudpickle', 'joblib', 'marshal', 'code',
  'codeop', 'ctypes', 'webbrowser', 'http', 'urllib', 'urllib2', 'requests', 'multiprocessing', 'commands',
  'asyncio', 'pdb', 'torch', 'types', 'functools', 'operator', 'io', 'tempfile', 'pathlib', 'glob', 'zipimport',
]);
/** Keys whose string value is a module Keras imports. */
const MODULE_KEYS = new Set(['module', 'fn_module', 'function_module', 'output_shape_module']);
const URL = /\b(?:https?|ftp|file|s3|gs|hf):\/\/[^\s"']*/i;
/** Enough findings to judge a file; a config repeating one layer 10,000 times need not list every copy. */
const MAX_ISSUES = 200;

interface Frame {
  value: unknown;
  path: string;
  depth: number;
}

/** Walks `tree` and returns what a Keras loader would turn into code. `label` names the tree in descriptions. */
export function checkKerasTree(tree: unknown, label: string, limits: TreeLimits): TreeCheck {
  const out: TreeCheck = { issues: [] };
  const seen = new Set<string>();
  const add = (issue: KerasIssue, where: string): void => {
    const key = `${issue.rule}\n${issue.description}`;
    if (seen.has(key) || out.issues.length >= MAX_ISSUES) return;
    seen.add(key);
    out.issues.push({ ...issue, description: `${issue.description} (${label}${where ? ` at ${where}` : ''})` });
  };
  const stack: Frame[] = [{ value: tree, path: '', depth: 0 }];
  let nodes = 0;
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (++nodes > limits.maxTreeNodes) {
      out.limitHit = `${label} has more than ${limits.maxTreeNodes} JSON nodes; the rest was not checked`;
      break;
    }
    if (depth > limits.maxTreeDepth) {
      out.limitHit = `${label} nests deeper than ${limits.maxTreeDepth} levels; deeper parts were not checked`;
      continue;
    }
    if (typeof value === 'string') {
      checkString(value, path, add);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: `${path}[${i}]`, depth: depth + 1 });
    } else if (value !== null && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      checkObject(obj, path, add);
      const keys = Object.keys(obj);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i]!;
        checkString(k, path, add);
        stack.push({ value: obj[k], path: path ? `${path}.${k}` : k, depth: depth + 1 });
      }
    }
  }
  return out;
}

type Add = (issue: KerasIssue, where: string) => void;

function checkString(s: string, path: string, add: Add): void {
  if (s.includes('enable_unsafe_deserialization')) {
    add({ severity: 'CRITICAL', rule: KERAS_RULES.unsafeDeser, description: 'the configuration references keras.config.enable_unsafe_deserialization, which switches safe mode off while loading' }, path);
  }
  if (/\bget_file\b/.test(s)) {
    add({ severity: 'HIGH', rule: KERAS_RULES.remote, description: 'the configuration calls keras.utils.get_file: loading downloads a remote file', module: 'keras.utils', operator: 'get_file' }, path);
  }
  const url = URL.exec(s);
  if (url) {
    add({ severity: 'HIGH', rule: KERAS_RULES.remote, description: `the configuration contains a URL (${truncate(url[0], 120)}): a loader that fetches it runs what it gets` }, path);
  }
}

function checkObject(obj: Record<string, unknown>, path: string, add: Add): void {
  const className = typeof obj['class_name'] === 'string' ? obj['class_name'] : undefined;
  if (className !== undefined) {
    if (className === 'Lambda' || className.endsWith('.Lambda')) {
      const name = layerName(obj);
      add({ severity: 'HIGH', rule: KERAS_RULES.lambda, description: `Lambda layer${name}: Keras rebuilds and runs the Python function stored in the model`, operator: className }, path);
    } else if (className === '__lambda__') {
      add({ severity: 'HIGH', rule: KERAS_RULES.lambda, description: 'serialised __lambda__ function: Keras rebuilds Python bytecode stored in the model', operator: className }, path);
    }
    if (className.includes('TorchModuleWrapper')) {
      add({ severity: 'CRITICAL', rule: KERAS_RULES.torchWrapper, description: 'TorchModuleWrapper layer: Keras torch.loads a pickled module from the configuration, running any code in it', operator: className }, path);
    }
  }
  // Keras 3 serialises a plain function as {module, class_name: "function", config: "<its name>"}.
  const target = className === 'function' && typeof obj['config'] === 'string' ? obj['config'] : className;
  for (const key of MODULE_KEYS) {
    const mod = obj[key];
    if (typeof mod === 'string' && mod !== '') checkModule(mod, target, path, add);
  }
  const registered = obj['registered_name'];
  if (typeof registered === 'string' && registered.includes('>')) {
    const pkg = registered.slice(0, registered.indexOf('>'));
    const root = pkg.split('.')[0] ?? pkg;
    if (!SAFE_ROOTS.has(root)) {
      add({ severity: 'MEDIUM', rule: KERAS_RULES.custom, description: `custom object ${registered}: the loader resolves it through code registered outside Keras`, module: pkg, operator: registered.slice(registered.indexOf('>') + 1) }, path);
    }
  }
}

function checkModule(mod: string, className: string | undefined, path: string, add: Add): void {
  const root = mod.split('.')[0]!;
  // Keras 2 records where a Lambda's function was defined (`__main__`, the saving script) to look up its
  // globals, not to import code from: the Lambda itself is the finding.
  if (SAFE_ROOTS.has(root) || root === '__main__') return;
  const what = className !== undefined ? `${mod}.${className}` : mod;
  if (DANGEROUS_ROOTS.has(root)) {
    add({ severity: 'CRITICAL', rule: KERAS_RULES.module, description: `the configuration makes Keras import ${what}: a module that runs commands, loads code or touches files (CVE-2025-1550)`, module: mod, ...(className !== undefined ? { operator: className } : {}) }, path);
  } else if (KERAS_FAMILY.has(root)) {
    add({ severity: 'MEDIUM', rule: KERAS_RULES.custom, description: `the configuration imports ${what} from a Keras extension library, outside Keras core`, module: mod, ...(className !== undefined ? { operator: className } : {}) }, path);
  } else {
    add({ severity: 'HIGH', rule: KERAS_RULES.module, description: `the configuration makes Keras import ${what}, outside keras/tensorflow/numpy (CVE-2025-1550)`, module: mod, ...(className !== undefined ? { operator: className } : {}) }, path);
  }
}

function layerName(obj: Record<string, unknown>): string {
  const cfg = obj['config'];
  const name = cfg !== null && typeof cfg === 'object' ? (cfg as Record<string, unknown>)['name'] : obj['name'];
  return typeof name === 'string' ? ` "${truncate(name, 80)}"` : '';
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n)}…`;
}
