/**
 * The pickle policy as data: which imported globals are dangerous, which are known safe, which ones
 * re-read bytes as another pickle. Everything else is "unknown" (default deny: a MEDIUM finding).
 *
 * Matching (implemented in policy.ts; write entries with it in mind):
 * - DenyEntry: the global's module equals `module` or is a submodule of it (`asyncio.unix_events` is under
 *   `asyncio`), and `names` is '*' or holds the first dotted component of the global's name (`eval.__call__`
 *   matches `eval`). A names list therefore applies to the whole package: `{ module: 'torch', names: ['load'] }`
 *   also denies `torch.serialization.load` and `torch.hub.load`. Dotted names are also tried as attribute
 *   paths (`tempfile` + `_os.system` is `os.system`), see policy.ts.
 * - AllowEntry: a list matches the exact module and exact name; '*' the exact module and any name without
 *   dots; 'classes' the module and its submodules for names without dots that start with an uppercase letter.
 * - Deny is checked first and wins.
 *
 * Sources for the deny list: Protect AI modelscan's default `unsafe_globals` (the floor: every entry there is
 * here at the same or a higher severity), picklescan's `_unsafe_globals`, ModelAudit's suspicious globals and
 * fickling's UNSAFE_IMPORTS, plus what each of those misses. The allow list starts from PyTorch's
 * `weights_only` unpickler and is checked against the globals of real pickles that
 * fixtures/tools/collect_benign_globals.py builds (test/data/benign-globals.json).
 *
 * Severity: CRITICAL = code or command execution, arbitrary imports, attribute-access primitives,
 * filesystem writes, nested loaders. HIGH = network, processes and threads, file reads, interpreter state.
 * MEDIUM = suspicious but indirect (the same level as an unknown global, with a reason attached).
 */
import type { Severity } from '../../types.js';

export interface DenyEntry {
  module: string;
  names: '*' | readonly string[];
  severity: Severity;
  reason: string;
}

export interface AllowEntry {
  module: string;
  names: '*' | 'classes' | readonly string[];
  reason: string;
}

export interface LoaderEntry {
  module: string;
  name: string;
  reason: string;
  /** the loader re-reads its bytes argument with full unpickling; the VM analyses constant bytes args recursively */
  contentChecked?: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Building blocks shared by several entries.

/** The three spellings of the builtins module: py3, py2 (renamed at proto < 3) and the module attribute. */
const BUILTIN_MODULES = ['builtins', '__builtin__', '__builtins__'] as const;

/** Entries repeated for each spelling of the builtins module. */
function builtins(names: readonly string[], severity: Severity, reason: string): DenyEntry[] {
  return BUILTIN_MODULES.map((module) => ({ module, names, severity, reason }));
}

/**
 * Class names that a package-wide 'classes' allowance would otherwise let through when a module merely
 * re-exports them (found by listing the uppercase attributes of every submodule whose object comes from
 * elsewhere: sklearn.utils._joblib.Parallel, sklearn.datasets._covtype.GzipFile, …).
 */
const REEXPORT_GUARD_NAMES = [
  'Parallel',
  'Memory',
  'MemorizedFunc',
  'Popen',
  'Thread',
  'Timer',
  'Process',
  'Pool',
  'ThreadPool',
  'ThreadPoolExecutor',
  'ProcessPoolExecutor',
  'TemporaryDirectory',
  'NamedTemporaryFile',
  'TemporaryFile',
  'SpooledTemporaryFile',
  'GzipFile',
  'BZ2File',
  'LZMAFile',
  'ZipFile',
  'TarFile',
  'FileIO',
  'Mock',
  'MagicMock',
  'NonCallableMock',
  'TestCase',
  'DoctestItem',
  'Matrix',
] as const;

/** Packages that get a 'classes' allowance below, so each also gets the re-export guard. */
const CLASSES_PACKAGES = [
  'sklearn',
  'pandas.core',
  'pandas._libs',
  'pandas.tseries',
  'scipy.spatial',
  'torch.nn.modules',
  'torch.nn.utils',
  'torch.ao.nn',
  'torch.optim',
  'numpy.dtypes',
  'numpy.polynomial',
] as const;

/** os.path functions that touch the filesystem or the environment (join, basename & co. are pure). */
const PATH_PROBES = [
  'exists', 'lexists', 'isfile', 'isdir', 'islink', 'ismount', 'isjunction', 'isdevdrive', 'getsize', 'getmtime',
  'getatime', 'getctime', 'samefile', 'sameopenfile', 'samestat', 'realpath', 'abspath', 'relpath', 'expanduser',
  'expandvars',
] as const;

/** Loader names of joblib, repeated for the copy vendored in old scikit-learn. */
const JOBLIB_DANGEROUS_NAMES = [
  'load',
  'dump',
  'Parallel',
  'Memory',
  'MemorizedFunc',
  'delayed',
  'parallel_backend',
  'parallel_config',
  'register_parallel_backend',
  'register_store_backend',
  'register_compressor',
  'wrap_non_picklable_objects',
] as const;

/** cloudpickle's reconstructors, the same in every copy of cloudpickle (module cloudpickle, cloudpickle_fast, vendored). */
const CLOUDPICKLE_CODE_NAMES = [
  '_builtin_type',
  '_make_function',
  '_function_setstate',
  '_class_setstate',
  '_fill_function',
  '_make_skel_func',
  '_make_skeleton_class',
  '_make_skeleton_enum',
  '_rehydrate_skeleton_class',
  '_make_cell',
  '_make_empty_cell',
  '_make_cell_set_template_code',
  '_make_typevar',
  'subimport',
  'dynamic_subimport',
] as const;

/** Packages that ship their own copy of cloudpickle. */
const CLOUDPICKLE_COPIES = ['cloudpickle', 'joblib.externals.cloudpickle', 'srsly.cloudpickle', 'ray.cloudpickle', 'pyspark.cloudpickle'] as const;

// ---------------------------------------------------------------------------------------------------------
// DENY

export const DENY: readonly DenyEntry[] = [
  // --- builtins (modelscan floor: eval, compile, getattr, apply, exec, open, breakpoint, __import__) ---
  ...builtins(['eval', 'exec', 'compile', 'execfile'], 'CRITICAL', 'runs or compiles arbitrary Python source'),
  ...builtins(['__import__', 'reload'], 'CRITICAL', 'imports (or re-executes) an arbitrary module'),
  ...builtins(['getattr', 'setattr', 'delattr'], 'CRITICAL', 'attribute-access primitive: reaches (or rewires) any attribute of any object, e.g. os.system'),
  ...builtins(['globals', 'locals', 'vars'], 'CRITICAL', 'exposes a namespace dict holding __builtins__: with any item getter it becomes eval'),
  ...builtins(['apply'], 'CRITICAL', 'Python 2 apply(): calls an arbitrary callable'),
  ...builtins(['open', 'file'], 'CRITICAL', 'opens (and can create or truncate) arbitrary files'),
  ...builtins(['breakpoint'], 'CRITICAL', 'starts the debugger: an interactive code-execution prompt'),
  ...builtins(['input', 'raw_input'], 'HIGH', 'reads from standard input: hangs or hijacks the loading process'),
  ...builtins(['exit', 'quit'], 'HIGH', 'terminates the loading process'),
  ...builtins(['help', 'copyright', 'credits', 'license'], 'HIGH', 'site helpers that start pydoc or a pager (a subprocess) or read files'),
  ...builtins(['__build_class__'], 'HIGH', 'builds a class by running a function body'),
  ...builtins(['type'], 'MEDIUM', 'three-argument type() creates classes with attacker-chosen methods'),
  ...builtins(['memoryview'], 'MEDIUM', 'raw buffer access; no legitimate model needs it'),
  ...builtins(['hasattr', 'dir'], 'MEDIUM', 'attribute probing that runs properties and __getattr__'),

  // --- process and command execution ---
  { module: 'os', names: '*', severity: 'CRITICAL', reason: 'os.system, popen, exec*, spawn*, file writes and removal' },
  { module: 'nt', names: '*', severity: 'CRITICAL', reason: "Windows alias of os (nt.system)" },
  { module: 'posix', names: '*', severity: 'CRITICAL', reason: 'POSIX alias of os (posix.system)' },
  { module: 'subprocess', names: '*', severity: 'CRITICAL', reason: 'runs arbitrary commands' },
  { module: 'commands', names: '*', severity: 'CRITICAL', reason: 'Python 2 command runner (renamed to subprocess at protocol < 3)' },
  { module: '_posixsubprocess', names: '*', severity: 'CRITICAL', reason: 'fork_exec: the primitive under subprocess' },
  { module: '_winapi', names: '*', severity: 'CRITICAL', reason: 'CreateProcess and raw Windows handles' },
  { module: 'pty', names: '*', severity: 'CRITICAL', reason: 'pty.spawn runs arbitrary commands' },
  { module: 'pexpect', names: '*', severity: 'CRITICAL', reason: 'spawns and drives arbitrary commands' },
  { module: 'pipes', names: '*', severity: 'CRITICAL', reason: 'pipes.Template runs shell commands' },
  { module: 'platform', names: '*', severity: 'HIGH', reason: 'several helpers spawn subprocesses (popen, _syscmd_file, architecture)' },
  { module: 'uuid', names: ['_get_command_stdout', '_popen', '_find_mac', '_find_mac_near_keyword', '_find_mac_under_heading'], severity: 'CRITICAL', reason: 'runs an executable named by its argument' },
  { module: 'uuid', names: ['getnode', 'uuid1', '_ifconfig_getnode', '_ip_getnode', '_arp_getnode', '_lanscan_getnode', '_netstat_getnode', '_unix_getnode'], severity: 'HIGH', reason: 'may spawn ifconfig/ip/arp/netstat to find a MAC address' },
  { module: '_osx_support', names: '*', severity: 'CRITICAL', reason: '_read_output runs a shell command string' },
  { module: '_aix_support', names: '*', severity: 'HIGH', reason: 'spawns lslpp' },
  { module: 'multiprocessing', names: '*', severity: 'CRITICAL', reason: 'spawns processes; its connections unpickle whatever they receive' },
  { module: '_multiprocessing', names: '*', severity: 'HIGH', reason: 'multiprocessing internals (semaphores, raw connections)' },
  { module: '_posixshmem', names: '*', severity: 'HIGH', reason: 'creates and unlinks shared-memory files' },
  { module: 'concurrent.futures', names: '*', severity: 'HIGH', reason: 'process and thread pools that call whatever they are given' },
  { module: 'threading', names: '*', severity: 'HIGH', reason: 'starts threads that call arbitrary callables' },
  { module: '_thread', names: '*', severity: 'HIGH', reason: 'start_new_thread calls an arbitrary callable at once' },
  { module: 'thread', names: '*', severity: 'HIGH', reason: 'Python 2 name of _thread' },
  { module: 'signal', names: '*', severity: 'HIGH', reason: 'installs handlers and sends signals (pthread_kill, raise_signal)' },
  { module: 'atexit', names: '*', severity: 'HIGH', reason: 'registers callables to run when the loading process exits' },
  { module: 'asyncio', names: '*', severity: 'CRITICAL', reason: 'create_subprocess_shell/exec, sockets and an event loop that runs callbacks' },
  { module: 'sched', names: '*', severity: 'MEDIUM', reason: 'a scheduler that calls the callables it is given' },

  // --- code execution, compilation and imports ---
  { module: 'runpy', names: '*', severity: 'CRITICAL', reason: 'runs modules and scripts (runpy._run_code is exec)' },
  { module: 'code', names: '*', severity: 'CRITICAL', reason: 'InteractiveInterpreter.runsource/runcode execute source' },
  { module: 'codeop', names: '*', severity: 'CRITICAL', reason: 'compiles source into code objects' },
  { module: 'compileall', names: '*', severity: 'CRITICAL', reason: 'compiles files and writes .pyc files' },
  { module: 'py_compile', names: '*', severity: 'CRITICAL', reason: 'compiles files and writes .pyc files' },
  { module: 'timeit', names: '*', severity: 'CRITICAL', reason: 'timeit(stmt) executes a statement string' },
  { module: 'cProfile', names: '*', severity: 'CRITICAL', reason: 'run/runctx execute a statement string' },
  { module: 'profile', names: '*', severity: 'CRITICAL', reason: 'run/runctx execute a statement string' },
  { module: 'trace', names: '*', severity: 'CRITICAL', reason: 'Trace.run/runctx execute a statement string' },
  { module: 'pdb', names: '*', severity: 'CRITICAL', reason: 'debugger: run() executes a statement string' },
  { module: 'bdb', names: '*', severity: 'CRITICAL', reason: 'debugger base: Bdb.run executes a statement string' },
  { module: 'doctest', names: '*', severity: 'CRITICAL', reason: 'runs the examples in a docstring (debug_script, run_docstring_examples)' },
  { module: 'rlcompleter', names: '*', severity: 'CRITICAL', reason: 'Completer evaluates expressions to complete them' },
  { module: 'importlib', names: '*', severity: 'CRITICAL', reason: 'imports arbitrary modules (import_module, machinery, util)' },
  { module: 'imp', names: '*', severity: 'CRITICAL', reason: 'load_source/load_module execute arbitrary files' },
  { module: '_imp', names: '*', severity: 'CRITICAL', reason: 'import machinery primitives (create_dynamic loads shared objects)' },
  { module: '_frozen_importlib', names: '*', severity: 'CRITICAL', reason: 'the import system itself' },
  { module: '_frozen_importlib_external', names: '*', severity: 'CRITICAL', reason: 'the import system itself (SourceFileLoader)' },
  { module: 'pkgutil', names: '*', severity: 'CRITICAL', reason: 'resolve_name imports any module and returns any attribute' },
  { module: 'zipimport', names: '*', severity: 'CRITICAL', reason: 'imports code from archives' },
  { module: 'site', names: '*', severity: 'CRITICAL', reason: 'addsitedir executes .pth files' },
  { module: '_sitebuiltins', names: '*', severity: 'HIGH', reason: 'quit/help/license helpers (pydoc, pager, exit)' },
  { module: 'pydoc', names: '*', severity: 'CRITICAL', reason: 'locate() imports by dotted path; pagers run shell commands' },
  { module: 'inspect', names: '*', severity: 'CRITICAL', reason: 'getattr_static and getmembers are attribute-access primitives' },
  { module: 'gc', names: '*', severity: 'HIGH', reason: 'get_objects/get_referrers reach any live object without naming it' },
  { module: 'sys', names: '*', severity: 'CRITICAL', reason: 'sys.modules, settrace/setprofile hooks, interpreter state' },
  { module: 'marshal', names: '*', severity: 'CRITICAL', reason: 'marshal.loads rebuilds code objects' },
  { module: 'ctypes', names: '*', severity: 'CRITICAL', reason: 'loads native libraries, calls C functions, writes raw memory' },
  { module: '_ctypes', names: '*', severity: 'CRITICAL', reason: 'ctypes internals (dlopen, raw function pointers)' },
  { module: 'cffi', names: '*', severity: 'CRITICAL', reason: 'loads native libraries and compiles C' },
  { module: '_cffi_backend', names: '*', severity: 'CRITICAL', reason: 'cffi internals (load_library, raw pointers)' },
  { module: '_xxsubinterpreters', names: '*', severity: 'CRITICAL', reason: 'run_string executes source in a sub-interpreter' },
  { module: '_interpreters', names: '*', severity: 'CRITICAL', reason: 'run_string executes source in a sub-interpreter' },
  { module: 'interpreters', names: '*', severity: 'CRITICAL', reason: 'runs source in sub-interpreters' },
  { module: 'unittest', names: '*', severity: 'CRITICAL', reason: 'mock.patch imports any dotted path; test runners execute code' },
  { module: 'test', names: '*', severity: 'CRITICAL', reason: "CPython's test support runs scripts and subprocesses" },
  { module: 'idlelib', names: '*', severity: 'CRITICAL', reason: 'IDLE runs code (pyshell runcode, run.Executive)' },
  { module: 'lib2to3', names: '*', severity: 'CRITICAL', reason: 'grammar loaders unpickle files' },
  { module: 'distutils', names: '*', severity: 'CRITICAL', reason: 'spawn() runs commands; file_util writes files' },
  { module: 'setuptools', names: '*', severity: 'CRITICAL', reason: 'runs setup scripts and builds extensions' },
  { module: 'pkg_resources', names: '*', severity: 'CRITICAL', reason: 'entry points import arbitrary modules' },
  { module: 'pip', names: '*', severity: 'CRITICAL', reason: 'installs packages, which runs their build code' },
  { module: 'ensurepip', names: '*', severity: 'CRITICAL', reason: '_run_pip installs packages' },
  { module: 'venv', names: '*', severity: 'CRITICAL', reason: 'creates environments and runs pip in them' },
  { module: 'pytest', names: '*', severity: 'CRITICAL', reason: 'pytest.main imports and runs test files' },
  { module: '_pytest', names: '*', severity: 'CRITICAL', reason: 'pytest internals (runs test files)' },
  { module: 'nose', names: '*', severity: 'CRITICAL', reason: 'test runner: imports and runs test files' },
  { module: 'IPython', names: '*', severity: 'CRITICAL', reason: 'interactive shell: run_cell and system() execute code and commands' },
  { module: 'sympy', names: '*', severity: 'CRITICAL', reason: 'sympify/parse_expr evaluate strings with eval' },
  { module: 'numexpr', names: '*', severity: 'CRITICAL', reason: 'evaluate() of attacker-chosen expressions has led to code execution' },
  { module: 'jinja2', names: '*', severity: 'HIGH', reason: 'template rendering reaches Python objects (server-side template injection)' },
  { module: 'tkinter', names: '*', severity: 'CRITICAL', reason: 'Tcl interpreter: Tcl().eval("exec …") runs commands' },
  { module: '_tkinter', names: '*', severity: 'CRITICAL', reason: 'Tcl interpreter internals' },
  { module: 'antigravity', names: '*', severity: 'HIGH', reason: 'importing it opens a web browser' },
  { module: 'webbrowser', names: '*', severity: 'HIGH', reason: 'opens URLs by starting a browser process' },

  // --- attribute access and call primitives outside builtins ---
  { module: 'operator', names: ['attrgetter', 'methodcaller'], severity: 'CRITICAL', reason: 'attribute-access primitive: attrgetter("system")(os) is os.system' },
  { module: 'operator', names: ['itemgetter', 'getitem', 'setitem', 'delitem'], severity: 'HIGH', reason: 'item access on namespaces (globals(), sys.modules) reaches or replaces anything' },
  { module: 'operator', names: ['call'], severity: 'MEDIUM', reason: 'calls an arbitrary callable' },
  { module: 'functools', names: ['reduce'], severity: 'CRITICAL', reason: 'calls an arbitrary callable over attacker data (Python 2 __builtin__.reduce lands here)' },
  { module: 'copyreg', names: ['add_extension', 'remove_extension', 'clear_extension_cache'], severity: 'MEDIUM', reason: 'rewrites the process-wide extension registry that EXT opcodes read' },
  { module: 'copyreg', names: ['pickle', 'constructor', 'dispatch_table'], severity: 'MEDIUM', reason: 'registers reducers for the whole process' },

  // --- files and the filesystem ---
  { module: 'shutil', names: '*', severity: 'CRITICAL', reason: 'copies, moves and removes files and trees; which() and archive tools' },
  { module: 'tempfile', names: '*', severity: 'CRITICAL', reason: 'creates files and directories; carries os as tempfile._os' },
  { module: 'io', names: ['open', 'open_code', 'FileIO'], severity: 'CRITICAL', reason: 'opens (and can create or truncate) arbitrary files' },
  { module: 'codecs', names: ['open', 'EncodedFile'], severity: 'CRITICAL', reason: 'opens (and can create) arbitrary files' },
  { module: 'gzip', names: ['open', 'GzipFile'], severity: 'CRITICAL', reason: 'opens (and can create) arbitrary files' },
  { module: 'bz2', names: ['open', 'BZ2File'], severity: 'CRITICAL', reason: 'opens (and can create) arbitrary files' },
  { module: 'lzma', names: ['open', 'LZMAFile'], severity: 'CRITICAL', reason: 'opens (and can create) arbitrary files' },
  { module: 'zipfile', names: '*', severity: 'CRITICAL', reason: 'ZipFile writes and extracts archives' },
  { module: 'tarfile', names: '*', severity: 'CRITICAL', reason: 'writes and extracts archives (path traversal on extract)' },
  { module: 'fileinput', names: '*', severity: 'CRITICAL', reason: 'reads files, and rewrites them in place with inplace=True' },
  { module: 'shelve', names: '*', severity: 'CRITICAL', reason: 'opens a database of pickles and unpickles from it' },
  { module: 'dbm', names: '*', severity: 'CRITICAL', reason: 'creates and writes database files' },
  { module: 'sqlite3', names: '*', severity: 'CRITICAL', reason: 'creates database files; load_extension loads native code' },
  { module: '_sqlite3', names: '*', severity: 'CRITICAL', reason: 'sqlite3 internals (connect creates files)' },
  { module: 'mmap', names: '*', severity: 'HIGH', reason: 'maps files into memory for reading and writing' },
  { module: 'glob', names: '*', severity: 'HIGH', reason: 'enumerates the filesystem; carries os as glob.os' },
  { module: 'filecmp', names: '*', severity: 'HIGH', reason: 'reads arbitrary files' },
  { module: 'linecache', names: '*', severity: 'HIGH', reason: 'reads arbitrary files' },
  ...['posixpath', 'ntpath', 'genericpath', 'macpath'].map(
    (module): DenyEntry => ({
      module,
      names: PATH_PROBES,
      severity: 'HIGH',
      reason: 'os.path helpers that read filesystem metadata, the working directory or the environment',
    }),
  ),
  {
    module: 'pathlib',
    names: ['write_text', 'write_bytes', 'open', 'touch', 'mkdir', 'unlink', 'rmdir', 'rename', 'replace', 'symlink_to', 'hardlink_to', 'link_to', 'chmod', 'lchmod'],
    severity: 'CRITICAL',
    reason: 'Path methods that write, create or remove files (reached as a dotted name such as PosixPath.write_text)',
  },
  {
    module: 'pathlib',
    names: ['read_text', 'read_bytes', 'iterdir', 'glob', 'rglob', 'walk', 'home', 'cwd', 'expanduser', 'resolve', 'owner', 'group', 'stat', 'lstat', 'exists'],
    severity: 'HIGH',
    reason: 'Path methods that read files or inspect the filesystem (reached as a dotted name)',
  },
  { module: 'logging.config', names: '*', severity: 'CRITICAL', reason: 'fileConfig evaluates expressions; listen() accepts configuration over a socket' },
  { module: 'logging.handlers', names: '*', severity: 'HIGH', reason: 'handlers write files and open sockets, HTTP and SMTP connections' },
  { module: 'logging', names: ['FileHandler', 'basicConfig', 'config', 'handlers'], severity: 'HIGH', reason: 'creates log files; config and handlers subpackages' },
  { module: 'syslog', names: '*', severity: 'MEDIUM', reason: 'writes to the system log' },
  { module: 'resource', names: '*', severity: 'MEDIUM', reason: 'changes process limits' },
  { module: 'faulthandler', names: '*', severity: 'MEDIUM', reason: 'writes tracebacks to files, can crash the process on purpose' },
  { module: 'msvcrt', names: '*', severity: 'HIGH', reason: 'raw console and file-descriptor access on Windows' },

  // --- network ---
  { module: 'socket', names: '*', severity: 'CRITICAL', reason: 'raw network connections (modelscan floor: CRITICAL)' },
  { module: 'socketserver', names: '*', severity: 'HIGH', reason: 'constructors bind and listen on network ports' },
  { module: 'ssl', names: '*', severity: 'HIGH', reason: 'network connections (get_server_certificate leaks data through DNS)' },
  { module: 'select', names: '*', severity: 'MEDIUM', reason: 'I/O multiplexing over descriptors' },
  { module: 'selectors', names: '*', severity: 'MEDIUM', reason: 'I/O multiplexing over descriptors' },
  { module: 'http', names: '*', severity: 'HIGH', reason: 'HTTP clients and servers' },
  { module: 'http.server', names: '*', severity: 'CRITICAL', reason: 'serves files and runs CGI scripts' },
  { module: 'http.cookiejar', names: '*', severity: 'CRITICAL', reason: 'FileCookieJar.save writes files' },
  { module: 'httplib', names: '*', severity: 'HIGH', reason: 'Python 2 http.client (renamed at protocol < 3)' },
  { module: 'urllib.request', names: '*', severity: 'CRITICAL', reason: 'urlopen fetches URLs; urlretrieve writes files' },
  { module: 'urllib', names: ['urlopen', 'urlretrieve', 'URLopener', 'FancyURLopener', 'request'], severity: 'CRITICAL', reason: 'fetches URLs and writes files' },
  { module: 'urllib.robotparser', names: '*', severity: 'HIGH', reason: 'fetches URLs' },
  { module: 'urllib2', names: '*', severity: 'CRITICAL', reason: 'Python 2 urllib.request (renamed at protocol < 3)' },
  { module: 'urllib3', names: '*', severity: 'HIGH', reason: 'HTTP client' },
  { module: 'requests', names: '*', severity: 'HIGH', reason: 'HTTP client (modelscan floor: requests.api HIGH)' },
  { module: 'httpx', names: '*', severity: 'HIGH', reason: 'HTTP client' },
  { module: 'aiohttp', names: '*', severity: 'HIGH', reason: 'HTTP client and server (modelscan floor: aiohttp.client HIGH)' },
  { module: 'httplib2', names: '*', severity: 'HIGH', reason: 'HTTP client' },
  { module: 'websocket', names: '*', severity: 'HIGH', reason: 'network client' },
  { module: 'websockets', names: '*', severity: 'HIGH', reason: 'network client and server' },
  { module: 'ftplib', names: '*', severity: 'HIGH', reason: 'network client' },
  { module: 'smtplib', names: '*', severity: 'HIGH', reason: 'sends mail (exfiltration)' },
  { module: 'smtpd', names: '*', severity: 'HIGH', reason: 'mail server' },
  { module: 'poplib', names: '*', severity: 'HIGH', reason: 'network client' },
  { module: 'imaplib', names: '*', severity: 'HIGH', reason: 'network client' },
  { module: 'nntplib', names: '*', severity: 'HIGH', reason: 'network client' },
  { module: 'telnetlib', names: '*', severity: 'HIGH', reason: 'network client' },
  { module: 'xmlrpc', names: '*', severity: 'HIGH', reason: 'RPC client and server' },
  { module: 'xmlrpclib', names: '*', severity: 'HIGH', reason: 'Python 2 xmlrpc.client' },
  { module: 'asyncore', names: '*', severity: 'HIGH', reason: 'network servers' },
  { module: 'asynchat', names: '*', severity: 'HIGH', reason: 'network servers' },
  { module: 'wsgiref', names: '*', severity: 'HIGH', reason: 'HTTP server' },
  { module: 'paramiko', names: '*', severity: 'HIGH', reason: 'SSH client: remote commands and file transfer' },
  { module: 'fsspec', names: '*', severity: 'CRITICAL', reason: 'opens, writes and removes local and remote files' },

  // --- pickle and other deserialisers (nested loaders) ---
  { module: 'pickle', names: '*', severity: 'CRITICAL', reason: 'nested unpickling: loads/load/Unpickler run another pickle' },
  { module: '_pickle', names: '*', severity: 'CRITICAL', reason: 'nested unpickling (C implementation of pickle)' },
  { module: 'cPickle', names: '*', severity: 'CRITICAL', reason: 'Python 2 pickle (renamed at protocol < 3)' },
  { module: 'pickletools', names: '*', severity: 'MEDIUM', reason: 'pickle tooling; never part of a model' },
  { module: 'base64', names: '*', severity: 'MEDIUM', reason: 'decodes payloads hidden from static reading (feeds loaders and eval)' },
  { module: 'zlib', names: ['decompress', 'decompressobj'], severity: 'MEDIUM', reason: 'decodes payloads hidden from static reading' },
  { module: 'codecs', names: ['decode'], severity: 'MEDIUM', reason: 'decodes payloads hidden from static reading (rot13, base64, zlib codecs)' },
  { module: 'dill', names: '*', severity: 'CRITICAL', reason: 'dill loaders and reconstructors rebuild code, functions, classes and file handles' },
  { module: 'cloudpickle', names: '*', severity: 'CRITICAL', reason: 'cloudpickle reconstructors rebuild functions and classes from code' },
  { module: 'jsonpickle', names: '*', severity: 'CRITICAL', reason: 'jsonpickle.decode runs py/reduce entries' },
  { module: 'yaml', names: ['load', 'load_all', 'unsafe_load', 'unsafe_load_all', 'full_load', 'full_load_all', 'UnsafeLoader', 'FullLoader', 'Loader'], severity: 'CRITICAL', reason: 'YAML loaders that construct arbitrary Python objects' },
  { module: 'joblib', names: JOBLIB_DANGEROUS_NAMES, severity: 'CRITICAL', reason: 'joblib.load unpickles files; Parallel/Memory call and cache arbitrary callables on disk' },
  { module: 'joblib.externals', names: '*', severity: 'CRITICAL', reason: 'vendored cloudpickle and loky (process pools)' },
  { module: 'joblib.parallel', names: '*', severity: 'HIGH', reason: 'process pools that call arbitrary callables' },
  { module: 'joblib._parallel_backends', names: '*', severity: 'HIGH', reason: 'process and thread pool backends' },
  { module: 'joblib.pool', names: '*', severity: 'HIGH', reason: 'process pools' },
  { module: 'joblib.executor', names: '*', severity: 'HIGH', reason: 'process pools' },
  { module: 'joblib.memory', names: '*', severity: 'CRITICAL', reason: 'caches call results as pickles on disk and loads them back' },
  { module: 'joblib._memmapping_reducer', names: '*', severity: 'HIGH', reason: 'maps arbitrary files into arrays' },
  { module: 'sklearn.externals.joblib', names: JOBLIB_DANGEROUS_NAMES, severity: 'CRITICAL', reason: "old scikit-learn's vendored joblib: load unpickles files" },
  { module: 'keras', names: ['load_model', 'load_weights', 'deserialize_keras_object'], severity: 'CRITICAL', reason: 'Keras loaders run Lambda-layer code' },
  { module: 'tensorflow', names: ['load_model', 'read_file', 'write_file', 'gfile', 'io', 'py_func', 'py_function', 'numpy_function'], severity: 'CRITICAL', reason: 'TensorFlow model loaders, file I/O and Python-callable ops' },

  // --- PyTorch ---
  { module: 'torch', names: ['load'], severity: 'CRITICAL', reason: 'torch.load and friends unpickle a file or buffer (nested loader)' },
  { module: 'torch', names: ['save'], severity: 'CRITICAL', reason: 'writes files' },
  { module: 'torch', names: ['load_library'], severity: 'CRITICAL', reason: 'loads a native library' },
  { module: 'torch', names: ['from_file'], severity: 'CRITICAL', reason: 'maps an arbitrary file (shared=True writes back to it)' },
  { module: 'torch', names: ['_import_dotted_name'], severity: 'CRITICAL', reason: 'imports any module by dotted path' },
  { module: 'torch', names: ['load_config'], severity: 'CRITICAL', reason: 'ConfigModule.load_config (torch._dynamo.config & co.) unpickles bytes' },
  { module: 'torch.serialization', names: ['_load', '_legacy_load', '_save', '_legacy_save', '_open_file', '_open_zipfile_reader', '_open_zipfile_writer'], severity: 'CRITICAL', reason: 'torch.load/save internals: unpickle or write files' },
  { module: 'torch.hub', names: '*', severity: 'CRITICAL', reason: 'downloads repositories and imports their hubconf.py' },
  { module: 'torch.package', names: '*', severity: 'CRITICAL', reason: 'PackageImporter imports code shipped inside the package' },
  { module: 'torch.jit', names: '*', severity: 'CRITICAL', reason: 'compiles and loads TorchScript; unsupported_tensor_ops.execWrapper is exec' },
  { module: 'torch.fx', names: '*', severity: 'CRITICAL', reason: 'GraphModule regenerates and execs Python source; symbolic_shapes evaluates guard strings' },
  { module: 'torch._dynamo', names: '*', severity: 'CRITICAL', reason: 'guards evaluate Python expressions' },
  { module: 'torch._inductor', names: '*', severity: 'CRITICAL', reason: 'codecache compiles and loads generated C++/Python' },
  { module: 'torch.utils.cpp_extension', names: '*', severity: 'CRITICAL', reason: 'compiles and loads C++ extensions' },
  { module: 'torch.utils.model_zoo', names: '*', severity: 'CRITICAL', reason: 'load_url downloads a file and torch.loads it' },
  { module: 'torch.utils.collect_env', names: '*', severity: 'CRITICAL', reason: 'run() executes a shell command' },
  { module: 'torch.utils.bottleneck', names: '*', severity: 'CRITICAL', reason: 'runs and profiles a script' },
  { module: 'torch.utils.benchmark', names: '*', severity: 'CRITICAL', reason: 'Timer(stmt) executes statement strings' },
  { module: 'torch.utils._config_module', names: '*', severity: 'CRITICAL', reason: 'ConfigModule.load_config unpickles bytes' },
  { module: 'torch.utils.data.datapipes', names: '*', severity: 'HIGH', reason: 'data pipes open files and URLs' },
  { module: 'torch.utils.data.datapipes.utils.decoder', names: '*', severity: 'CRITICAL', reason: 'basichandlers unpickles bytes' },
  { module: 'torch.utils.tensorboard', names: '*', severity: 'CRITICAL', reason: 'SummaryWriter creates directories and writes files' },
  { module: 'torch.distributed', names: '*', severity: 'HIGH', reason: 'network stores and process groups' },
  { module: 'torch.distributed.rpc', names: '*', severity: 'CRITICAL', reason: 'remote procedure calls run code on other hosts' },
  { module: 'torch.multiprocessing', names: '*', severity: 'HIGH', reason: 'spawns processes' },
  { module: 'torch.ops', names: ['load_library'], severity: 'CRITICAL', reason: 'loads native libraries' },
  { module: 'torch.classes', names: ['load_library'], severity: 'CRITICAL', reason: 'loads native libraries' },
  { module: 'torch._C', names: ['import_ir_module', 'import_ir_module_from_buffer', '_load_for_lite_interpreter', '_load_for_lite_interpreter_from_buffer', '_jit_script_compile', '_jit_script_class_compile'], severity: 'CRITICAL', reason: 'TorchScript loaders and compilers' },

  // --- numpy ---
  { module: 'numpy', names: ['load'], severity: 'CRITICAL', reason: 'numpy.load unpickles object arrays (nested loader)' },
  { module: 'numpy', names: ['save', 'savez', 'savez_compressed', 'savetxt', 'memmap', 'open_memmap', 'tofile'], severity: 'CRITICAL', reason: 'writes or creates files' },
  { module: 'numpy', names: ['fromfile', 'loadtxt', 'genfromtxt', 'fromregex', 'recfromcsv', 'recfromtxt', 'DataSource'], severity: 'HIGH', reason: 'reads files or URLs' },
  { module: 'numpy', names: ['_ufunc_reconstruct'], severity: 'CRITICAL', reason: 'imports any module and returns any attribute (numpy < 1.20 wrote it for ufuncs)' },
  { module: 'numpy', names: ['test', 'seterrcall'], severity: 'CRITICAL', reason: 'numpy.test runs pytest; seterrcall registers a callable' },
  { module: 'numpy.lib.npyio', names: '*', severity: 'CRITICAL', reason: 'load/save and DataSource readers' },
  { module: 'numpy.lib._datasource', names: '*', severity: 'HIGH', reason: 'opens files and URLs' },
  { module: 'numpy.lib.format', names: ['read_array', 'write_array', 'open_memmap'], severity: 'CRITICAL', reason: 'reads (unpickling object arrays) and writes .npy files' },
  { module: 'numpy.testing', names: '*', severity: 'CRITICAL', reason: 'runstring() is exec; helpers run subprocesses' },
  { module: 'numpy.f2py', names: '*', severity: 'CRITICAL', reason: 'evaluates strings and compiles Fortran' },
  { module: 'numpy.distutils', names: '*', severity: 'CRITICAL', reason: 'runs compilers and commands' },
  { module: 'numpy.ctypeslib', names: '*', severity: 'CRITICAL', reason: 'load_library loads native libraries' },
  { module: 'numpy._pytesttester', names: '*', severity: 'CRITICAL', reason: 'runs pytest' },

  // --- pandas ---
  { module: 'pandas', names: ['read_pickle'], severity: 'CRITICAL', reason: 'unpickles a file (nested loader)' },
  { module: 'pandas', names: ['read_clipboard', 'to_clipboard'], severity: 'CRITICAL', reason: 'runs clipboard commands (xclip, pbpaste) as subprocesses' },
  { module: 'pandas', names: ['eval', 'query'], severity: 'CRITICAL', reason: 'evaluates expression strings' },
  { module: 'pandas', names: ['test'], severity: 'CRITICAL', reason: 'runs pytest' },
  {
    module: 'pandas',
    names: ['read_csv', 'read_table', 'read_fwf', 'read_json', 'read_html', 'read_xml', 'read_excel', 'read_parquet', 'read_orc', 'read_feather', 'read_hdf', 'read_sas', 'read_spss', 'read_stata', 'read_sql', 'read_sql_query', 'read_sql_table', 'read_gbq'],
    severity: 'HIGH',
    reason: 'reads files or URLs',
  },
  {
    module: 'pandas',
    names: ['to_pickle', 'to_csv', 'to_json', 'to_parquet', 'to_excel', 'to_hdf', 'to_sql', 'to_feather', 'to_stata', 'to_orc', 'to_xml', 'to_html', 'to_latex', 'to_markdown', 'to_gbq', 'ExcelWriter', 'HDFStore'],
    severity: 'CRITICAL',
    reason: 'writes files (reached as a dotted name such as DataFrame.to_csv)',
  },
  { module: 'pandas.io', names: '*', severity: 'HIGH', reason: 'readers and writers of files, URLs and databases' },
  { module: 'pandas.compat.pickle_compat', names: '*', severity: 'CRITICAL', reason: 'pandas’ own unpickler (load/loads)' },
  { module: 'pandas.core.computation', names: '*', severity: 'CRITICAL', reason: 'pandas.eval/DataFrame.query expression engine' },
  { module: 'pandas._libs.parsers', names: '*', severity: 'HIGH', reason: 'TextReader reads files' },
  { module: 'pandas.util._tester', names: '*', severity: 'CRITICAL', reason: 'runs pytest' },

  // --- scikit-learn and scipy ---
  { module: 'sklearn.datasets', names: '*', severity: 'CRITICAL', reason: 'downloads data sets and writes them to disk; file loaders' },
  { module: 'sklearn.utils._testing', names: '*', severity: 'CRITICAL', reason: 'assert_run_python_script runs Python code; temp-file helpers' },
  { module: 'sklearn.conftest', names: '*', severity: 'HIGH', reason: 'pytest configuration' },
  { module: 'scipy', names: ['test'], severity: 'CRITICAL', reason: 'scipy.test runs pytest' },
  { module: 'scipy.io', names: '*', severity: 'CRITICAL', reason: 'readers and writers of files (FortranFile, savemat, wavfile.write, …)' },
  { module: 'scipy.sparse', names: ['load_npz', 'save_npz'], severity: 'HIGH', reason: 'reads or writes .npz files' },
  { module: 'scipy.interpolate._interpnd_info', names: '*', severity: 'CRITICAL', reason: 'imports sympy, whose Matrix sympifies (evaluates) strings' },
  { module: 'scipy.weave', names: '*', severity: 'CRITICAL', reason: 'compiles and runs C code' },
  { module: 'scipy._lib._testutils', names: '*', severity: 'CRITICAL', reason: 'runs pytest and subprocesses' },

  // --- re-exports that a package-wide 'classes' allowance must not let through ---
  ...CLASSES_PACKAGES.map(
    (module): DenyEntry => ({
      module,
      names: REEXPORT_GUARD_NAMES,
      severity: 'HIGH',
      reason: 'process, thread, temporary-file, archive, test or expression machinery re-exported by a model package',
    }),
  ),
];

// ---------------------------------------------------------------------------------------------------------
// CODE_BEARING: globals that rebuild code objects, functions or classes from pickled data, or import.
// They are part of deny matching and flagged `codeBearing`, so a report can say "this pickle carries code".

export const CODE_BEARING: readonly DenyEntry[] = [
  { module: 'types', names: ['CodeType', 'FunctionType', 'LambdaType'], severity: 'CRITICAL', reason: 'builds a code object or a function from pickled bytecode' },
  { module: 'types', names: ['MethodType', 'CellType', 'ModuleType', 'new_class', 'prepare_class'], severity: 'HIGH', reason: 'binds functions, builds closures, modules or classes: how serialized code is reassembled' },
  { module: 'marshal', names: ['loads', 'load'], severity: 'CRITICAL', reason: 'rebuilds code objects from bytes' },
  {
    module: 'dill',
    names: ['_create_code', '_create_function', '_create_type', '_load_type', '_create_cell', '_create_ftype', '_import_module', '_get_attr', '_getattr', '_getattribute', '_eval_repr', '_create_filehandle', '_create_capsule', '_create_namedtuple'],
    severity: 'CRITICAL',
    reason: 'dill reconstructor: builds code, functions, classes, file handles or raw capsules, imports or evals',
  },
  ...CLOUDPICKLE_COPIES.map(
    (module): DenyEntry => ({
      module,
      names: CLOUDPICKLE_CODE_NAMES,
      severity: 'CRITICAL',
      reason: 'cloudpickle reconstructor (any of cloudpickle, cloudpickle_fast or a vendored copy): builds functions and classes, imports modules',
    }),
  ),
  {
    module: 'torch.fx.graph_module',
    names: ['reduce_graph_module', 'reduce_package_graph_module', 'reduce_deploy_graph_module', '_deserialize_graph_module'],
    severity: 'CRITICAL',
    reason: 'rebuilds a GraphModule by executing its generated Python source',
  },
  { module: 'numba.core.serialize', names: '*', severity: 'CRITICAL', reason: 'rebuilds numba functions from serialized bytecode' },
];

// ---------------------------------------------------------------------------------------------------------
// NESTED_LOADERS: globals that read bytes (or a file) as another pickle. The VM looks these up by exact
// module and name. All but the content-checked ones are also denied above (CRITICAL).

export const NESTED_LOADERS: readonly LoaderEntry[] = [
  { module: 'pickle', name: 'loads', reason: 'unpickles its bytes argument' },
  { module: 'pickle', name: 'load', reason: 'unpickles a file object' },
  { module: 'pickle', name: '_loads', reason: 'pure-Python pickle.loads' },
  { module: 'pickle', name: '_load', reason: 'pure-Python pickle.load' },
  { module: 'pickle', name: 'Unpickler', reason: 'unpickles a file object' },
  { module: 'pickle', name: '_Unpickler', reason: 'pure-Python Unpickler' },
  { module: '_pickle', name: 'loads', reason: 'unpickles its bytes argument' },
  { module: '_pickle', name: 'load', reason: 'unpickles a file object' },
  { module: '_pickle', name: 'Unpickler', reason: 'unpickles a file object' },
  { module: 'torch', name: 'load', reason: 'unpickles a file or buffer (full pickle unless weights_only)' },
  { module: 'torch.serialization', name: 'load', reason: 'torch.load' },
  { module: 'torch.serialization', name: '_load', reason: 'torch.load internals: unpickles a zip checkpoint' },
  { module: 'torch.serialization', name: '_legacy_load', reason: 'torch.load internals: unpickles a legacy checkpoint' },
  {
    module: 'torch.storage',
    name: '_load_from_bytes',
    reason: 'torch.load(io.BytesIO(b)): how torch pickles storages with plain pickle.dumps',
    contentChecked: true,
  },
  { module: 'torch.hub', name: 'load_state_dict_from_url', reason: 'downloads a checkpoint and torch.loads it' },
  { module: 'torch.utils.model_zoo', name: 'load_url', reason: 'downloads a checkpoint and torch.loads it' },
  { module: 'dill', name: 'loads', reason: 'unpickles with dill' },
  { module: 'dill', name: 'load', reason: 'unpickles a file with dill' },
  { module: 'dill._dill', name: 'loads', reason: 'unpickles with dill' },
  { module: 'dill._dill', name: 'load', reason: 'unpickles a file with dill' },
  { module: 'dill', name: 'load_session', reason: 'unpickles a whole module session' },
  { module: 'dill', name: 'load_module', reason: 'unpickles a whole module session' },
  { module: 'cloudpickle', name: 'loads', reason: 'pickle.loads re-exported' },
  { module: 'cloudpickle', name: 'load', reason: 'pickle.load re-exported' },
  { module: 'joblib', name: 'load', reason: 'unpickles a joblib file' },
  { module: 'joblib.numpy_pickle', name: 'load', reason: 'unpickles a joblib file' },
  { module: 'sklearn.externals.joblib', name: 'load', reason: "old scikit-learn's joblib.load" },
  { module: 'numpy', name: 'load', reason: 'unpickles object arrays (allow_pickle)' },
  { module: 'numpy.lib.npyio', name: 'load', reason: 'numpy.load' },
  { module: 'numpy.lib.format', name: 'read_array', reason: 'unpickles object arrays (allow_pickle)' },
  { module: 'pandas', name: 'read_pickle', reason: 'unpickles a file' },
  { module: 'pandas.io.pickle', name: 'read_pickle', reason: 'unpickles a file' },
  { module: 'pandas.compat.pickle_compat', name: 'load', reason: 'pandas’ compatibility unpickler' },
  { module: 'pandas.compat.pickle_compat', name: 'loads', reason: 'pandas’ compatibility unpickler' },
  { module: 'shelve', name: 'open', reason: 'a database whose values are pickles' },
  { module: 'torch.utils.data.datapipes.utils.decoder', name: 'basichandlers', reason: 'unpickles bytes whose extension says pickle' },
  { module: 'torch.utils._config_module', name: 'ConfigModule.load_config', reason: 'unpickles a config blob' },
  // torch's config modules replace themselves in sys.modules with a ConfigModule, so load_config is a plain attribute.
  ...['torch._dynamo.config', 'torch._inductor.config', 'torch._functorch.config', 'torch._export.config', 'torch.fx.experimental._config', 'torch._lazy.config'].map(
    (module): LoaderEntry => ({ module, name: 'load_config', reason: 'ConfigModule.load_config: pickle.loads of its argument' }),
  ),
  { module: 'lib2to3.pgen2.grammar', name: 'Grammar.loads', reason: 'Grammar.loads: pickle.loads of its argument' },
  { module: 'lib2to3.pgen2.grammar', name: 'Grammar.load', reason: 'Grammar.load: pickle.load of a file' },
  { module: 'lib2to3.pgen2.driver', name: 'load_grammar', reason: 'unpickles a grammar file' },
];

// ---------------------------------------------------------------------------------------------------------
// ALLOW

/** numpy scalar types under their pickled (canonical) names, plus the aliases of numpy 1.x and 2.x. */
const NUMPY_SCALAR_TYPES = [
  'bool_', 'bool', 'bool8', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
  'intc', 'uintc', 'int_', 'uint', 'intp', 'uintp', 'int0', 'uint0', 'byte', 'ubyte', 'short', 'ushort',
  'longlong', 'ulonglong', 'long', 'ulong', 'float16', 'float32', 'float64', 'float96', 'float128', 'half',
  'single', 'double', 'longdouble', 'float_', 'longfloat', 'complex64', 'complex128', 'complex192',
  'complex256', 'csingle', 'cdouble', 'clongdouble', 'complex_', 'cfloat', 'clongfloat', 'longcomplex',
  'singlecomplex', 'str_', 'unicode_', 'str0', 'bytes_', 'string_', 'bytes0', 'void', 'void0', 'object_',
  'object0', 'datetime64', 'timedelta64',
] as const;

/** Every numpy ufunc: pickled by name (numpy >= 1.20), e.g. FunctionTransformer(np.log1p). */
const NUMPY_UFUNCS = [
  '_arg', '_ones_like', 'absolute', 'add', 'arccos', 'arccosh', 'arcsin', 'arcsinh', 'arctan', 'arctan2',
  'arctanh', 'bitwise_and', 'bitwise_count', 'bitwise_or', 'bitwise_xor', 'cbrt', 'ceil', 'clip', 'conj',
  'conjugate', 'copysign', 'cos', 'cosh', 'deg2rad', 'degrees', 'divide', 'divmod', 'equal', 'exp', 'exp2',
  'expm1', 'fabs', 'float_power', 'floor', 'floor_divide', 'fmax', 'fmin', 'fmod', 'frexp', 'gcd', 'greater',
  'greater_equal', 'heaviside', 'hypot', 'invert', 'isfinite', 'isinf', 'isnan', 'isnat', 'lcm', 'ldexp',
  'left_shift', 'less', 'less_equal', 'log', 'log10', 'log1p', 'log2', 'logaddexp', 'logaddexp2',
  'logical_and', 'logical_not', 'logical_or', 'logical_xor', 'matmul', 'matvec', 'maximum', 'minimum', 'mod',
  'modf', 'multiply', 'negative', 'nextafter', 'not_equal', 'positive', 'power', 'rad2deg', 'radians',
  'reciprocal', 'remainder', 'right_shift', 'rint', 'sign', 'signbit', 'sin', 'sinh', 'spacing', 'sqrt',
  'square', 'subtract', 'tan', 'tanh', 'true_divide', 'trunc', 'vecdot', 'vecmat',
] as const;

/** Modules ufuncs are found in when pickled, depending on the numpy version. */
const NUMPY_UFUNC_MODULES = ['numpy', 'numpy.core.umath', 'numpy.core._multiarray_umath', 'numpy._core.umath', 'numpy._core._multiarray_umath'] as const;

/** scipy.sparse formats: classes are lowercase, so they are listed (scipy < 1.8 used modules without the underscore). */
const SPARSE_FORMATS = ['csr', 'csc', 'coo', 'lil', 'dok', 'bsr', 'dia'] as const;

/** scipy.stats frozen-distribution generators (their classes are lowercase, hence listed). */
const SCIPY_CONTINUOUS_GENS = [
  'alpha_gen', 'anglit_gen', 'arcsine_gen', 'argus_gen', 'beta_gen', 'betaprime_gen', 'bradford_gen',
  'burr12_gen', 'burr_gen', 'cauchy_gen', 'chi2_gen', 'chi_gen', 'cosine_gen', 'crystalball_gen',
  'dgamma_gen', 'dweibull_gen', 'erlang_gen', 'expon_gen', 'exponnorm_gen', 'exponpow_gen', 'exponweib_gen',
  'f_gen', 'fatiguelife_gen', 'fisk_gen', 'foldcauchy_gen', 'foldnorm_gen', 'gamma_gen', 'gausshyper_gen',
  'genexpon_gen', 'genextreme_gen', 'gengamma_gen', 'genhalflogistic_gen', 'genhyperbolic_gen',
  'geninvgauss_gen', 'genlogistic_gen', 'gennorm_gen', 'genpareto_gen', 'gibrat_gen', 'gilbrat_gen',
  'gompertz_gen', 'gumbel_l_gen', 'gumbel_r_gen', 'halfcauchy_gen', 'halfgennorm_gen', 'halflogistic_gen',
  'halfnorm_gen', 'hypsecant_gen', 'invgamma_gen', 'invgauss_gen', 'invweibull_gen', 'irwinhall_gen',
  'jf_skew_t_gen', 'johnsonsb_gen', 'johnsonsu_gen', 'kappa3_gen', 'kappa4_gen', 'ksone_gen', 'kstwo_gen',
  'kstwobign_gen', 'landau_gen', 'laplace_asymmetric_gen', 'laplace_gen', 'levy_gen', 'levy_l_gen',
  'loggamma_gen', 'logistic_gen', 'loglaplace_gen', 'lognorm_gen', 'lomax_gen', 'maxwell_gen', 'mielke_gen',
  'moyal_gen', 'nakagami_gen', 'ncf_gen', 'nct_gen', 'ncx2_gen', 'norm_gen', 'norminvgauss_gen', 'pareto_gen',
  'pearson3_gen', 'powerlaw_gen', 'powerlognorm_gen', 'powernorm_gen', 'rayleigh_gen', 'rdist_gen',
  'recipinvgauss_gen', 'reciprocal_gen', 'rel_breitwigner_gen', 'rice_gen', 'semicircular_gen',
  'skew_norm_gen', 'skewcauchy_gen', 'studentized_range_gen', 't_gen', 'trapezoid_gen', 'triang_gen',
  'truncexpon_gen', 'truncnorm_gen', 'truncpareto_gen', 'truncweibull_min_gen', 'tukeylambda_gen',
  'uniform_gen', 'vonmises_gen', 'wald_gen', 'weibull_max_gen', 'weibull_min_gen', 'wrapcauchy_gen',
] as const;

const SCIPY_DISCRETE_GENS = [
  '_nchypergeom_gen', 'bernoulli_gen', 'betabinom_gen', 'betanbinom_gen', 'binom_gen', 'boltzmann_gen',
  'dlaplace_gen', 'geom_gen', 'hypergeom_gen', 'logser_gen', 'nbinom_gen', 'nchypergeom_fisher_gen',
  'nchypergeom_wallenius_gen', 'nhypergeom_gen', 'planck_gen', 'poisson_binom_gen', 'poisson_gen',
  'randint_gen', 'skellam_gen', 'yulesimon_gen', 'zipf_gen', 'zipfian_gen',
] as const;

/** Legacy typed-storage classes, referenced by every torch checkpoint. */
const TORCH_STORAGE_TYPES = [
  'ByteStorage', 'CharStorage', 'ShortStorage', 'IntStorage', 'LongStorage', 'HalfStorage', 'FloatStorage',
  'DoubleStorage', 'BFloat16Storage', 'BoolStorage', 'ComplexFloatStorage', 'ComplexDoubleStorage',
  'QUInt8Storage', 'QInt8Storage', 'QInt32Storage', 'QUInt4x2Storage', 'QUInt2x4Storage',
] as const;

/** Tensor type classes named by torch's legacy tar format (`tensors` member: key, storage id, tensor type). */
const TORCH_LEGACY_TENSOR_TYPES = [
  'ByteTensor', 'CharTensor', 'ShortTensor', 'IntTensor', 'LongTensor', 'HalfTensor', 'FloatTensor', 'DoubleTensor',
  'BFloat16Tensor', 'BoolTensor',
] as const;

/** torch dtypes, layouts, memory formats and quantization schemes, pickled as `torch.<str(value)>`. */
const TORCH_VALUE_NAMES = [
  'float16', 'float32', 'float64', 'bfloat16', 'complex32', 'complex64', 'complex128', 'int8', 'int16',
  'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'qint8', 'quint8', 'qint32', 'quint4x2',
  'quint2x4', 'float8_e4m3fn', 'float8_e5m2', 'float8_e4m3fnuz', 'float8_e5m2fnuz', 'float8_e8m0fnu',
  'float4_e2m1fn_x2', 'bits8', 'bits16', 'bits1x8', 'bits2x4', 'bits4x2', 'uint1', 'uint2', 'uint3', 'uint4',
  'uint5', 'uint6', 'uint7', 'int1', 'int2', 'int3', 'int4', 'int5', 'int6', 'int7', 'strided', 'sparse_coo',
  'sparse_csr', 'sparse_csc', 'sparse_bsr', 'sparse_bsc', 'jagged', '_mkldnn', 'contiguous_format',
  'channels_last', 'channels_last_3d', 'preserve_format', 'per_tensor_affine', 'per_channel_affine',
  'per_tensor_symmetric', 'per_channel_symmetric', 'per_channel_affine_float_qparams',
] as const;

/** torch._utils tensor rebuilders: PyTorch's own weights_only allowlist (1.13 and current). */
const TORCH_REBUILDERS = [
  '_rebuild_tensor', '_rebuild_tensor_v2', '_rebuild_tensor_v3', '_rebuild_parameter',
  '_rebuild_parameter_with_state', '_rebuild_qtensor', '_rebuild_sparse_tensor', '_rebuild_sparse_csr_tensor',
  '_rebuild_meta_tensor_no_storage', '_rebuild_wrapper_subclass', '_rebuild_device_tensor_from_numpy',
  '_rebuild_device_tensor_from_cpu_tensor', '_rebuild_nested_tensor', '_rebuild_xla_tensor',
] as const;

/** Activation functions that modules keep as attributes (TransformerEncoderLayer.activation = F.relu). */
const TORCH_FUNCTIONAL_ACTIVATIONS = [
  'relu', 'relu6', 'gelu', 'silu', 'mish', 'elu', 'selu', 'celu', 'leaky_relu', 'prelu', 'rrelu', 'glu',
  'hardtanh', 'hardswish', 'hardsigmoid', 'hardshrink', 'softshrink', 'tanhshrink', 'logsigmoid', 'softplus',
  'softsign', 'softmax', 'softmin', 'log_softmax', 'sigmoid', 'tanh', 'threshold', 'normalize', 'dropout',
] as const;

export const ALLOW: readonly AllowEntry[] = [
  // --- builtins that only build data (no type(), no getattr) ---
  {
    module: 'builtins',
    names: ['set', 'frozenset', 'bytearray', 'bytes', 'slice', 'complex', 'range', 'object', 'int', 'float', 'str', 'list', 'dict', 'tuple', 'bool', 'Ellipsis', 'NotImplemented'],
    reason: 'data constructors and constants; copyreg uses object as the base of plain classes',
  },
  { module: '_codecs', names: ['encode'], reason: 'how protocol 2 writes bytes: encode(str, "latin1"); codec lookup only imports encodings.*' },
  { module: 'copyreg', names: ['_reconstructor', '__newobj__', '__newobj_ex__'], reason: 'protocol 0/1 object reconstruction: cls.__new__ (+ base.__init__) of classes that are themselves policed' },
  { module: 'collections', names: ['OrderedDict', 'defaultdict', 'deque', 'Counter', 'ChainMap', 'UserDict', 'UserList', 'UserString'], reason: 'containers' },
  { module: 'datetime', names: ['date', 'time', 'datetime', 'timedelta', 'timezone', 'tzinfo'], reason: 'date and time values' },
  { module: 'decimal', names: ['Decimal'], reason: 'number' },
  { module: 'fractions', names: ['Fraction'], reason: 'number' },
  { module: 'uuid', names: ['UUID', 'SafeUUID'], reason: 'identifier value' },
  { module: 'zoneinfo', names: ['ZoneInfo', 'ZoneInfo._unpickle'], reason: 'time zone by validated key; ZoneInfo._unpickle is how ZoneInfo pickles itself (getattr(ZoneInfo, "_unpickle") at protocols < 4)' },
  { module: 'argparse', names: ['Namespace'], reason: 'attribute bag (hyper-parameters in training checkpoints)' },
  { module: 'types', names: ['SimpleNamespace'], reason: 'attribute bag' },
  { module: 'pathlib', names: ['Path', 'PosixPath', 'WindowsPath', 'PurePath', 'PurePosixPath', 'PureWindowsPath'], reason: 'path values in configs; the methods that touch files are denied as dotted names' },
  { module: 're', names: ['_compile'], reason: 'compiled regular expression (worst case: slow matching)' },
  { module: 'pytz', names: ['_p', '_UTC', 'FixedOffset', 'utc', 'UTC'], reason: 'pytz time zones; _p looks zones up by name and rejects paths' },
  { module: 'dateutil.tz.tz', names: ['tzutc', 'tzoffset', 'tzlocal', 'tzfile', 'tzrange', 'tzstr', '_ttinfo'], reason: 'dateutil time zones (tzfile reads a zone file named by its argument, parse-only)' },

  // --- numpy ---
  { module: 'numpy', names: ['ndarray', 'dtype', 'matrix', 'recarray', 'record', ...NUMPY_SCALAR_TYPES], reason: 'arrays, dtypes and scalar types' },
  ...NUMPY_UFUNC_MODULES.map((module): AllowEntry => ({ module, names: NUMPY_UFUNCS, reason: 'numpy ufunc referenced by name' })),
  { module: 'numpy.core.multiarray', names: ['_reconstruct', 'scalar'], reason: 'ndarray and scalar reconstruction (numpy 1.x)' },
  { module: 'numpy._core.multiarray', names: ['_reconstruct', 'scalar'], reason: 'ndarray and scalar reconstruction (numpy 2.x)' },
  { module: 'numpy.core.numeric', names: ['_frombuffer'], reason: 'protocol 5 array reconstruction (numpy 1.x)' },
  { module: 'numpy._core.numeric', names: ['_frombuffer'], reason: 'protocol 5 array reconstruction (numpy 2.x)' },
  { module: 'numpy.matrixlib.defmatrix', names: ['matrix'], reason: 'matrix class under its defining module' },
  { module: 'numpy.ma.core', names: ['MaskedArray', '_mareconstruct', 'mvoid', 'MaskedConstant'], reason: 'masked arrays (GridSearchCV.cv_results_)' },
  { module: 'numpy.random._pickle', names: '*', reason: 'RandomState / Generator / BitGenerator constructors; the module holds nothing else' },
  { module: 'numpy.random.bit_generator', names: ['SeedSequence', 'SeedlessSeedSequence', '__pyx_unpickle_SeedSequence', '__pyx_unpickle_SeedlessSeedSequence'], reason: 'seed sequences' },
  { module: 'numpy.random._mt19937', names: ['MT19937'], reason: 'bit generator class (numpy >= 1.25 pickles the class)' },
  { module: 'numpy.random._pcg64', names: ['PCG64', 'PCG64DXSM'], reason: 'bit generator class' },
  { module: 'numpy.random._philox', names: ['Philox'], reason: 'bit generator class' },
  { module: 'numpy.random._sfc64', names: ['SFC64'], reason: 'bit generator class' },
  { module: 'numpy.random._generator', names: ['Generator'], reason: 'Generator class' },
  { module: 'numpy.random.mtrand', names: ['RandomState'], reason: 'RandomState class' },
  { module: 'numpy.dtypes', names: 'classes', reason: 'DType classes (numpy >= 1.25)' },
  { module: 'numpy.polynomial', names: 'classes', reason: 'polynomial series classes' },

  // --- pandas ---
  { module: 'pandas.core', names: 'classes', reason: 'DataFrame, Series, indexes, arrays, dtypes, block managers (pandas.core.computation is denied)' },
  { module: 'pandas._libs', names: 'classes', reason: 'Cython value types: Period, Interval, offsets, NA, sparse indexes (parsers denied)' },
  { module: 'pandas.tseries', names: 'classes', reason: 'date offsets and holiday calendars' },
  { module: 'pandas._libs.internals', names: ['_unpickle_block'], reason: 'block reconstruction' },
  { module: 'pandas.core.internals.blocks', names: ['new_block', 'new_block_2d'], reason: 'block reconstruction (pandas 2.x)' },
  { module: 'pandas._libs.arrays', names: ['__pyx_unpickle_NDArrayBacked'], reason: 'datetime/timedelta/period array reconstruction' },
  { module: 'pandas._libs.interval', names: ['__pyx_unpickle_IntervalMixin'], reason: 'interval reconstruction' },
  { module: 'pandas._libs.tslibs.nattype', names: ['__nat_unpickle', '__pyx_unpickle__NaT'], reason: 'NaT' },
  { module: 'pandas._libs.tslibs.timedeltas', names: ['_timedelta_unpickle', '__pyx_unpickle__Timedelta'], reason: 'Timedelta' },
  { module: 'pandas._libs.tslibs.timestamps', names: ['_unpickle_timestamp'], reason: 'Timestamp' },
  { module: 'pandas._libs.tslibs.offsets', names: ['__pyx_unpickle_BaseOffset', '__pyx_unpickle_RelativeDeltaOffset'], reason: 'date offsets' },
  { module: 'pandas._libs.tslibs.period', names: ['__pyx_unpickle_PeriodMixin'], reason: 'Period' },
  { module: 'pandas._libs.sparse', names: ['__pyx_unpickle_SparseIndex'], reason: 'sparse index' },
  { module: 'pandas.core.indexes.base', names: ['_new_Index'], reason: 'index reconstruction' },
  { module: 'pandas.core.indexes.datetimes', names: ['_new_DatetimeIndex'], reason: 'index reconstruction' },
  { module: 'pandas.core.indexes.interval', names: ['_new_IntervalIndex'], reason: 'index reconstruction' },
  { module: 'pandas.core.indexes.period', names: ['_new_PeriodIndex'], reason: 'index reconstruction' },

  // --- scipy ---
  ...SPARSE_FORMATS.flatMap((fmt): AllowEntry[] => [
    { module: `scipy.sparse._${fmt}`, names: [`${fmt}_matrix`, `${fmt}_array`], reason: 'sparse matrix / array' },
    { module: `scipy.sparse.${fmt}`, names: [`${fmt}_matrix`], reason: 'sparse matrix (scipy < 1.8 module path)' },
  ]),
  { module: 'scipy.sparse._arrays', names: SPARSE_FORMATS.map((fmt) => `${fmt}_array`), reason: 'sparse arrays (scipy 1.8–1.10)' },
  { module: 'scipy.sparse', names: SPARSE_FORMATS.flatMap((fmt) => [`${fmt}_matrix`, `${fmt}_array`]), reason: 'sparse matrices and arrays' },
  { module: 'scipy.spatial', names: 'classes', reason: 'KDTree, Rotation, ConvexHull, Delaunay, …' },
  { module: 'scipy.spatial._ckdtree', names: ['cKDTree', '__pyx_unpickle_cKDTreeNode'], reason: 'cKDTree' },
  { module: 'scipy.spatial.ckdtree', names: ['cKDTree'], reason: 'cKDTree (old module path)' },
  { module: 'scipy.spatial.transform._rotation', names: ['__pyx_unpickle_Rotation'], reason: 'Rotation' },
  {
    module: 'scipy.interpolate._bsplines',
    names: ['BSpline', 'make_interp_spline'],
    reason: 'B-splines (SplineTransformer)',
  },
  {
    module: 'scipy.interpolate._interpolate',
    names: ['interp1d', 'interp2d', 'PPoly', 'BPoly', 'NdPPoly'],
    reason: 'interpolators',
  },
  { module: 'scipy.interpolate._cubic', names: ['CubicSpline', 'PchipInterpolator', 'Akima1DInterpolator', 'CubicHermiteSpline'], reason: 'interpolators' },
  { module: 'scipy.interpolate._fitpack2', names: ['UnivariateSpline', 'InterpolatedUnivariateSpline', 'LSQUnivariateSpline'], reason: 'interpolators' },
  { module: 'scipy.interpolate._rgi', names: ['RegularGridInterpolator'], reason: 'interpolators' },
  { module: 'scipy.stats._distn_infrastructure', names: ['rv_frozen', 'rv_continuous_frozen', 'rv_discrete_frozen'], reason: 'frozen distributions (search-space priors)' },
  { module: 'scipy.stats._continuous_distns', names: SCIPY_CONTINUOUS_GENS, reason: 'distribution generator class' },
  { module: 'scipy.stats._discrete_distns', names: SCIPY_DISCRETE_GENS, reason: 'distribution generator class' },

  // --- scikit-learn ---
  { module: 'sklearn', names: 'classes', reason: 'estimators, transformers, trees, losses, kernels (datasets and test helpers are denied)' },
  { module: 'sklearn.metrics._dist_metrics', names: ['newObj'], reason: 'Cython helper: cls.__new__(cls)' },
  { module: 'sklearn.neighbors._ball_tree', names: ['newObj'], reason: 'Cython helper: cls.__new__(cls)' },
  { module: 'sklearn.neighbors._kd_tree', names: ['newObj'], reason: 'Cython helper: cls.__new__(cls)' },
  {
    module: 'sklearn._loss._loss',
    names: [
      '__pyx_unpickle_CyAbsoluteError', '__pyx_unpickle_CyHalfBinomialLoss', '__pyx_unpickle_CyHalfGammaLoss',
      '__pyx_unpickle_CyHalfMultinomialLoss', '__pyx_unpickle_CyHalfPoissonLoss', '__pyx_unpickle_CyHalfSquaredError',
      '__pyx_unpickle_CyHalfTweedieLoss', '__pyx_unpickle_CyHalfTweedieLossIdentity', '__pyx_unpickle_CyLossFunction',
      '__pyx_unpickle_CyPinballLoss', '__pyx_unpickle_CyExponentialLoss', '__pyx_unpickle_CyHuberLoss',
    ],
    reason: 'Cython loss objects',
  },
  { module: 'sklearn.linear_model._sgd_fast', names: ['__pyx_unpickle_Classification', '__pyx_unpickle_LossFunction', '__pyx_unpickle_Regression'], reason: 'Cython SGD losses' },
  { module: 'sklearn.utils._fast_dict', names: ['__pyx_unpickle_IntFloatDict'], reason: 'Cython dict' },
  { module: 'sklearn.calibration', names: ['_CalibratedClassifier', '_SigmoidCalibration'], reason: 'private estimator parts' },
  { module: 'sklearn.cluster._birch', names: ['_CFNode', '_CFSubcluster'], reason: 'private estimator parts' },
  { module: 'sklearn.compose._column_transformer', names: ['make_column_selector', '_RemainderColsList'], reason: 'column selector object' },
  { module: 'sklearn.ensemble._hist_gradient_boosting.binning', names: ['_BinMapper'], reason: 'private estimator parts' },
  { module: 'sklearn.gaussian_process._gpc', names: ['_BinaryGaussianProcessClassifierLaplace'], reason: 'private estimator parts' },
  { module: 'sklearn.impute._iterative', names: ['_ImputerTriplet'], reason: 'private estimator parts' },
  { module: 'sklearn.multiclass', names: ['_ConstantPredictor'], reason: 'private estimator parts' },
  { module: 'sklearn.model_selection._split', names: ['_CVIterableWrapper'], reason: 'private estimator parts' },
  {
    module: 'sklearn.metrics._scorer',
    names: ['_passthrough_scorer', '_PredictScorer', '_ProbaScorer', '_ThresholdScorer', '_MultimetricScorer', '_BaseScorer', '_Scorer'],
    reason: 'scorers kept by search estimators',
  },
  { module: 'sklearn.metrics._classification', names: '*', reason: 'metric functions referenced by scorers (pure computation)' },
  { module: 'sklearn.metrics._regression', names: '*', reason: 'metric functions referenced by scorers (pure computation)' },
  { module: 'sklearn.metrics._ranking', names: '*', reason: 'metric functions referenced by scorers (pure computation)' },
  { module: 'sklearn.feature_selection._univariate_selection', names: ['f_classif', 'f_regression', 'r_regression', 'chi2', 'f_oneway'], reason: 'score functions of SelectKBest & co.' },
  { module: 'sklearn.feature_selection._mutual_info', names: ['mutual_info_classif', 'mutual_info_regression'], reason: 'score functions of SelectKBest & co.' },
  { module: 'sklearn.externals.joblib.numpy_pickle', names: ['NumpyArrayWrapper'], reason: 'arrays in joblib files written by old scikit-learn' },
  { module: 'joblib.numpy_pickle', names: ['NumpyArrayWrapper'], reason: 'arrays in joblib files (object arrays follow as an inline pickle the scanner reads too)' },

  // --- boosting libraries ---
  { module: 'xgboost.core', names: ['Booster'], reason: 'model state is a raw xgboost buffer' },
  { module: 'xgboost.sklearn', names: ['XGBModel', 'XGBClassifier', 'XGBRegressor', 'XGBRanker', 'XGBRFClassifier', 'XGBRFRegressor'], reason: 'scikit-learn wrappers' },
  { module: 'lightgbm.basic', names: ['Booster'], reason: 'model state is a LightGBM model string' },
  { module: 'lightgbm.sklearn', names: ['LGBMModel', 'LGBMClassifier', 'LGBMRegressor', 'LGBMRanker'], reason: 'scikit-learn wrappers' },
  { module: 'catboost.core', names: ['CatBoost', 'CatBoostClassifier', 'CatBoostRegressor', 'CatBoostRanker'], reason: 'model state is a CatBoost model blob' },

  // --- PyTorch (weights_only allowlist and what whole-module pickles add) ---
  { module: 'torch', names: ['Tensor', 'Size', 'device', 'Generator', 'UntypedStorage', 'TypedStorage', ...TORCH_STORAGE_TYPES, ...TORCH_VALUE_NAMES], reason: 'tensor, storage, dtype, layout and device types' },
  { module: 'torch', names: TORCH_LEGACY_TENSOR_TYPES, reason: 'tensor type classes of the legacy tar format (torch < 0.4)' },
  {
    module: 'torch.cuda',
    names: ['ByteStorage', 'CharStorage', 'ShortStorage', 'IntStorage', 'LongStorage', 'HalfStorage', 'FloatStorage', 'DoubleStorage', 'BFloat16Storage', 'BoolStorage', 'ComplexFloatStorage', 'ComplexDoubleStorage'],
    reason: 'GPU storage classes in legacy checkpoints',
  },
  { module: 'torch.storage', names: ['TypedStorage', 'UntypedStorage'], reason: 'storage classes' },
  {
    module: 'torch.storage',
    names: ['_load_from_bytes'],
    reason: 'torch pickles storages as torch.load(bytes): allowed because the VM scans its constant bytes argument (NESTED_LOADERS, contentChecked)',
  },
  { module: 'torch._utils', names: TORCH_REBUILDERS, reason: 'tensor and parameter rebuilders (torch weights_only allowlist)' },
  { module: 'torch._tensor', names: ['_rebuild_from_type_v2'], reason: 'tensor subclass rebuild (torch weights_only allowlist)' },
  { module: 'torch.serialization', names: ['_get_layout'], reason: 'layout lookup by name (torch weights_only allowlist)' },
  { module: 'torch.nn.parameter', names: ['Parameter', 'UninitializedParameter', 'UninitializedBuffer', 'Buffer'], reason: 'parameters and buffers' },
  { module: 'torch.nn.modules', names: 'classes', reason: 'nn.Module subclasses: layers, containers, losses' },
  { module: 'torch.nn.utils', names: 'classes', reason: 'weight/spectral norm hooks, PackedSequence, pruning methods' },
  { module: 'torch.ao.nn', names: 'classes', reason: 'quantized and QAT modules' },
  { module: 'torch.optim', names: 'classes', reason: 'optimizers and learning-rate schedulers' },
  { module: 'torch.nn.functional', names: TORCH_FUNCTIONAL_ACTIVATIONS, reason: 'activation functions kept as module attributes' },
];
