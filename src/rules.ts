/**
 * Every rule the scanners report: an id, a title, why it is dangerous and what to do about it.
 * Findings name their rule by id; reports and `explain` read the text from here.
 */
export interface RuleDoc {
  id: string;
  title: string;
  why: string;
  fix: string;
}

const FIX_REPLACE =
  'Do not load this file. Re-export the model from its source in a data-only format (safetensors, or torch.load with weights_only=True and torch.save of the state_dict), or get it from a source you trust.';

export const RULES: readonly RuleDoc[] = [
  {
    id: 'pickle/dangerous-global',
    title: 'Pickle imports a dangerous callable',
    why: 'Unpickling imports this global and, when it is called (REDUCE, INST, OBJ, NEWOBJ), runs it: commands, file or network access, or arbitrary code, with the rights of whoever loads the model.',
    fix: FIX_REPLACE,
  },
  {
    id: 'pickle/unknown-global',
    title: 'Pickle imports a global on no list',
    why: 'The policy is default-deny: a global that is neither known safe for model files nor known dangerous may be a gadget nobody has listed yet.',
    fix: 'If the global is a class of your own code or a library you trust, allow it in the configuration (pickle.allow) with a reason; otherwise treat the file as untrusted.',
  },
  {
    id: 'pickle/dynamic-global',
    title: 'Pickle computes the name it imports',
    why: 'STACK_GLOBAL with operands that are not constant strings (call results, memo tricks) hides which module is imported; no legitimate pickler writes this.',
    fix: FIX_REPLACE,
  },
  {
    id: 'pickle/extension-code',
    title: 'Pickle calls through the extension registry',
    why: 'EXT1/EXT2/EXT4 fetch a callable by number from copyreg\'s extension registry: it is invisible to any check of names.',
    fix: FIX_REPLACE,
  },
  {
    id: 'pickle/build-on-import',
    title: 'Pickle sets attributes on an imported object',
    why: 'BUILD on a global (a function, class or module itself) rather than on an object the pickle created monkey-patches library code, or runs a __setstate__ gadget.',
    fix: FIX_REPLACE,
  },
  {
    id: 'pickle/mutation-of-import',
    title: 'Pickle calls container methods on an object that is not a container',
    why: 'APPEND(S), SETITEM(S) and ADDITEMS on anything but a list, dict or set call its extend/append/__setitem__/add methods: a way to call code without REDUCE.',
    fix: FIX_REPLACE,
  },
  {
    id: 'pickle/indirect-call',
    title: 'Pickle calls a computed object',
    why: 'A call whose callee is the result of another call (or a persistent-load result) hides what is finally called.',
    fix: FIX_REPLACE,
  },
  {
    id: 'pickle/code-bearing',
    title: 'Pickle rebuilds functions or code objects',
    why: 'dill and cloudpickle files that rebuild functions, classes or code objects carry executable Python: loading them defines and often runs that code.',
    fix: 'Only load such files from a source you trust completely; for models, save weights in a data-only format instead.',
  },
  {
    id: 'pickle/nested-loader',
    title: 'Pickle loads another payload',
    why: 'A loader (pickle.loads, torch.load, …) called inside a pickle unpickles an embedded payload with no restrictions; the payload could not be shown to be clean.',
    fix: FIX_REPLACE,
  },
  {
    id: 'pickle/frame-divergence',
    title: 'Pickle frames disagree with its opcodes',
    why: 'An opcode crosses the end of its FRAME: CPython\'s C unpickler and its Python unpickler (and pickletools-based scanners) read this stream differently, a known way to show scanners one program and loaders another.',
    fix: FIX_REPLACE,
  },
  {
    id: 'zip/leading-data',
    title: 'Data before the zip archive',
    why: 'Bytes before a zip are invisible to zip readers but are what pickle.load (and torch\'s legacy path) reads first: a pickle+zip polyglot shows scanners a benign archive and loaders a payload.',
    fix: FIX_REPLACE,
  },
  {
    id: 'zip/reader-disagreement',
    title: 'Zip readers find different central directories',
    why: 'torch\'s miniz and Python\'s zipfile locate the directory differently (miniz follows the ZIP64 locator\'s offset and takes offsets as absolute; zipfile assumes the ZIP64 record sits before the locator and corrects offsets for data before the archive): a crafted archive shows a scanner built on one reader other members than the loader built on the other. Both directories were analysed.',
    fix: FIX_REPLACE,
  },
  {
    id: 'zip/duplicate-name',
    title: 'Zip members share a name',
    why: 'Two members with the same name, or names equal ignoring case (PyTorch\'s miniz reader compares them so), are read differently by different readers: a scanner may check one copy while the loader runs the other.',
    fix: FIX_REPLACE,
  },
  {
    id: 'zip/header-mismatch',
    title: 'Zip local header disagrees with the central directory',
    why: 'A member whose local header gives another name or compression method than the central directory is seen as different files by different readers, a known way to hide data.pkl from scanners.',
    fix: FIX_REPLACE,
  },
  {
    id: 'zip/flag-bits',
    title: 'Zip member has encryption-related flag bits',
    why: 'Flag bits 0x1, 0x20 or 0x40 make zipfile-based scanners refuse the member while torch\'s reader ignores them and loads it: the bytes were analysed as stored, but no legitimate model writer sets them.',
    fix: FIX_REPLACE,
  },
  {
    id: 'zip/overlapping-members',
    title: 'Zip members overlap',
    why: 'Two directory entries pointing at the same bytes (or data running into the next member) is how non-recursive zip bombs multiply their output, and a way to show different readers different files.',
    fix: FIX_REPLACE,
  },
  {
    id: 'zip/bad-crc',
    title: 'Zip pickle member fails its CRC',
    why: 'The pickle was edited after the archive was written. torch loads it anyway; scanners built on zipfile fail on it and report nothing.',
    fix: FIX_REPLACE,
  },
  {
    id: 'archive/path-traversal',
    title: 'Archive member escapes the extraction directory',
    why: 'A member named with ../, ..\\, an absolute path or a drive letter is written outside the target directory when the archive is extracted (zip slip), e.g. over ~/.bashrc.',
    fix: 'Do not extract this archive. Re-create it with relative member names.',
  },
  {
    id: 'archive/symlink',
    title: 'Archive member is a link',
    why: 'Symbolic and hard link members make extraction create links that later members or programs write or read through, anywhere on the machine.',
    fix: 'Do not extract this archive. Re-create it without links.',
  },
  {
    id: 'archive/compression-bomb',
    title: 'Archive member is a decompression bomb',
    why: 'The member expands far beyond any real model data (a ratio only crafted data reaches): loading or extracting it exhausts memory or disk. It was not analysed.',
    fix: FIX_REPLACE,
  },
  {
    id: 'torchscript/python-code',
    title: 'TorchScript archive carries Python that TorchScript never writes',
    why: 'torch.jit.save writes class bodies over torch ops under code/. Imports, os/subprocess/builtins references, eval/exec/__import__, dunder escapes or getattr tricks there are hand-edited code meant for a loader that runs it.',
    fix: FIX_REPLACE,
  },
  {
    id: 'keras/lambda-layer',
    title: 'Keras model contains a Lambda layer or lambda function',
    why: 'Keras stores the Python bytecode of a Lambda layer (or a __lambda__ function) in the model and rebuilds and runs it when the model is loaded or called: arbitrary code.',
    fix: 'Do not load this model unless you wrote it. Replace Lambda layers with built-in or registered custom layers and save again; load with safe_mode=True (Keras 3).',
  },
  {
    id: 'keras/unsafe-module',
    title: 'Keras configuration imports code outside Keras',
    why: 'Keras imports the `module` a configuration names and calls what `class_name` names in it (CVE-2025-1550): a module outside keras/tensorflow/numpy lets the file call arbitrary functions, such as os.system.',
    fix: FIX_REPLACE,
  },
  {
    id: 'keras/custom-object',
    title: 'Keras configuration needs a custom object',
    why: 'The model refers to a class or function registered outside Keras core; loading it runs that code, which this scanner cannot see.',
    fix: 'Check that the named package is one you trust and installed yourself; otherwise treat the model as untrusted.',
  },
  {
    id: 'keras/remote-fetch',
    title: 'Keras configuration fetches remote files',
    why: 'keras.utils.get_file or a URL in a configuration makes loading download files (CVE-2025-8747), which can overwrite local files or bring code in.',
    fix: FIX_REPLACE,
  },
  {
    id: 'keras/unsafe-deserialization',
    title: 'Keras configuration switches safe mode off',
    why: 'A reference to enable_unsafe_deserialization lets the file disable Keras safe mode while it is being loaded (CVE-2025-9906), after which Lambda layers and arbitrary functions run.',
    fix: FIX_REPLACE,
  },
  {
    id: 'keras/torch-module-wrapper',
    title: 'Keras model wraps a pickled PyTorch module',
    why: 'TorchModuleWrapper layers are restored with torch.load of bytes stored in the configuration (CVE-2025-49655): a pickle, which runs any code in it.',
    fix: FIX_REPLACE,
  },
  {
    id: 'keras/unexpected-member',
    title: 'Keras archive contains code, executables or pickles',
    why: 'A .keras file holds config.json, metadata.json and weights. Python files, scripts, executables or pickles inside it are there to be run by someone or something.',
    fix: 'Remove the extra members or re-save the model with Keras; do not run files shipped inside a model archive.',
  },
  {
    id: 'savedmodel/python-op',
    title: 'TensorFlow graph calls Python',
    why: 'PyFunc, PyFuncStateless and EagerPyFunc run a Python function when the graph executes (tf.py_function, tf.numpy_function).',
    fix: FIX_REPLACE,
  },
  {
    id: 'savedmodel/file-io-op',
    title: 'TensorFlow graph reads or writes files',
    why: 'ReadFile and WriteFile give the graph the filesystem with the rights of whoever runs the model: reading secrets, writing files.',
    fix: 'Check why a model would need file access; prefer a model exported without these ops.',
  },
  {
    id: 'savedmodel/unsafe-path',
    title: 'TensorFlow file op uses a path outside the model',
    why: 'A constant absolute, `..` or remote path given to a file-writing or file-reading op (SaveV2, MergeV2Checkpoints, WriteFile, RestoreV2...) reads or overwrites files anywhere the user can.',
    fix: FIX_REPLACE,
  },
  {
    id: 'savedmodel/unknown-op',
    title: 'TensorFlow graph uses an op outside the standard set',
    why: 'An op TensorFlow does not ship is a custom op: native code loaded from a shared library, invisible to this scan. Some rarely used standard ops may be reported too.',
    fix: 'Check the op name: if it is a standard TensorFlow op, report it so it can be added; if custom, trust the model only as much as the library it needs.',
  },
  {
    id: 'onnx/external-data-path',
    title: 'ONNX tensor data points outside the model directory',
    why: 'onnx.load reads (and onnx.save writes) the file an external_data location names; an absolute or `..` location reads or overwrites arbitrary files (CVE-2022-25882, CVE-2024-27318).',
    fix: FIX_REPLACE,
  },
  {
    id: 'onnx/python-op',
    title: 'ONNX model runs Python operators',
    why: 'PythonOp (ONNX Runtime training) and PyOp (onnxruntime-extensions) execute Python code inside the runtime.',
    fix: FIX_REPLACE,
  },
  {
    id: 'onnx/custom-op',
    title: 'ONNX model uses a custom operator domain',
    why: 'Operators outside the ONNX and ONNX Runtime domains need a native library registered with the runtime: code this scan cannot see.',
    fix: 'Check which library provides the domain and whether you trust it.',
  },
  {
    id: 'template/sandbox-escape',
    title: 'Chat template reaches Python internals',
    why: 'Jinja chat templates rendered outside a sandbox (CVE-2024-34359) run whatever Python they reach: dunder attributes (__class__, __globals__...), |attr tricks and gadget globals (cycler, joiner, lipsum) lead to os.popen.',
    fix: 'Do not use this model\'s chat template; replace it with the template of the base model from a trusted source.',
  },
  {
    id: 'template/unusual-statement',
    title: 'Chat template loads other templates',
    why: 'Chat templates are self-contained; import, include and extends pull in templates from elsewhere.',
    fix: 'Check the template by hand before using it.',
  },
];

const BY_ID = new Map(RULES.map((r) => [r.id, r]));

export function ruleDoc(id: string): RuleDoc | undefined {
  return BY_ID.get(id);
}
