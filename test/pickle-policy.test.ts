import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compatRename, IMPORT_MAPPING, NAME_MAPPING } from '../src/scanners/pickle/compat-pickle.js';
import { candidatePairs, classifyGlobal } from '../src/scanners/pickle/policy.js';
import { ALLOW, CODE_BEARING, DENY, NESTED_LOADERS, type DenyEntry } from '../src/scanners/pickle/policy-data.js';
import { severityRank, type Severity } from '../src/types.js';

interface BenignGlobal {
  module: string;
  name: string;
  seenIn: string[];
}
interface FlaggedGlobal extends BenignGlobal {
  expect: 'safe' | 'dangerous' | 'unknown';
}
interface BenignFile {
  globals: BenignGlobal[];
  knownFlagged: FlaggedGlobal[];
}

const benign = JSON.parse(readFileSync(new URL('./data/benign-globals.json', import.meta.url), 'utf8')) as BenignFile;

function severityOf(module: string, name: string): Severity | null {
  const c = classifyGlobal(module, name);
  return c.verdict === 'dangerous' ? c.severity : null;
}

function atLeast(module: string, name: string, floor: Severity): void {
  const severity = severityOf(module, name);
  expect(severity, `${module}.${name}`).not.toBeNull();
  expect(severityRank(severity ?? 'LOW'), `${module}.${name} is ${severity}`).toBeGreaterThanOrEqual(severityRank(floor));
}

describe('compatRename (Unpickler.find_class, protocol < 3)', () => {
  it('carries the complete CPython 3.11 tables', () => {
    // len(_compat_pickle.NAME_MAPPING), len(_compat_pickle.IMPORT_MAPPING) after the module has run
    expect(NAME_MAPPING.size).toBe(88);
    expect(IMPORT_MAPPING.size).toBe(55);
  });

  it('renames whole modules', () => {
    expect(compatRename('__builtin__', 'eval')).toEqual({ module: 'builtins', name: 'eval' });
    expect(compatRename('copy_reg', '_reconstructor')).toEqual({ module: 'copyreg', name: '_reconstructor' });
    expect(compatRename('cPickle', 'loads')).toEqual({ module: 'pickle', name: 'loads' });
    expect(compatRename('urllib2', 'urlopen')).toEqual({ module: 'urllib.request', name: 'urlopen' });
    expect(compatRename('httplib', 'HTTPConnection')).toEqual({ module: 'http.client', name: 'HTTPConnection' });
    expect(compatRename('UserList', 'Whatever')).toEqual({ module: 'collections', name: 'Whatever' });
  });

  it('prefers an exact (module, name) entry over the module rename', () => {
    expect(compatRename('__builtin__', 'reduce')).toEqual({ module: 'functools', name: 'reduce' });
    expect(compatRename('__builtin__', 'intern')).toEqual({ module: 'sys', name: 'intern' });
    expect(compatRename('__builtin__', 'xrange')).toEqual({ module: 'builtins', name: 'range' });
    expect(compatRename('__builtin__', 'basestring')).toEqual({ module: 'builtins', name: 'str' });
    expect(compatRename('UserDict', 'IterableUserDict')).toEqual({ module: 'collections', name: 'UserDict' });
    expect(compatRename('urllib2', 'HTTPError')).toEqual({ module: 'urllib.error', name: 'HTTPError' });
    expect(compatRename('urllib', 'urlopen')).toEqual({ module: 'urllib.request', name: 'urlopen' });
  });

  it('includes the names the exception loops add', () => {
    expect(compatRename('exceptions', 'ValueError')).toEqual({ module: 'builtins', name: 'ValueError' });
    expect(compatRename('exceptions', 'StandardError')).toEqual({ module: 'builtins', name: 'Exception' });
    expect(compatRename('multiprocessing', 'TimeoutError')).toEqual({ module: 'multiprocessing.context', name: 'TimeoutError' });
  });

  it('leaves other globals alone', () => {
    expect(compatRename('numpy', 'ndarray')).toEqual({ module: 'numpy', name: 'ndarray' });
    expect(compatRename('exceptions', 'NotAnException')).toEqual({ module: 'exceptions', name: 'NotAnException' });
    expect(compatRename('__builtin__\u0000reduce', '')).toEqual({ module: '__builtin__\u0000reduce', name: '' });
  });

  it('exposes Python 2 spellings of dangerous globals (ccommands\\ngetoutput)', () => {
    const renamed = compatRename('commands', 'getoutput');
    expect(renamed).toEqual({ module: 'subprocess', name: 'getoutput' });
    expect(severityOf(renamed.module, renamed.name)).toBe('CRITICAL');
    expect(severityOf('commands', 'getoutput')).toBe('CRITICAL');
    const reduce = compatRename('__builtin__', 'reduce');
    expect(severityOf(reduce.module, reduce.name)).toBe('CRITICAL');
    const intern = compatRename('__builtin__', 'intern');
    expect(severityOf(intern.module, intern.name)).toBe('CRITICAL');
    const urlopen = compatRename('urllib2', 'urlopen');
    expect(severityOf(urlopen.module, urlopen.name)).toBe('CRITICAL');
  });
});

describe('deny floor: Protect AI modelscan default unsafe_globals', () => {
  const builtinNames = ['eval', 'compile', 'getattr', 'apply', 'exec', 'open', 'breakpoint', '__import__'];
  it.each(['__builtin__', 'builtins'])('%s functions are CRITICAL', (module) => {
    for (const name of builtinNames) atLeast(module, name, 'CRITICAL');
  });

  it.each(['os', 'nt', 'posix', 'socket', 'subprocess', 'sys', 'runpy', 'pty', 'pickle', '_pickle', 'bdb', 'pdb', 'shutil', 'asyncio'])(
    'every name of %s is CRITICAL',
    (module) => {
      for (const name of ['system', 'anything', 'Popen', 'loads']) expect(severityOf(module, name), `${module}.${name}`).toBe('CRITICAL');
    },
  );

  it('operator.attrgetter is CRITICAL', () => {
    expect(severityOf('operator', 'attrgetter')).toBe('CRITICAL');
    expect(severityOf('_operator', 'attrgetter')).toBe('CRITICAL');
  });

  it('network modules are at least HIGH', () => {
    atLeast('webbrowser', 'open', 'HIGH');
    atLeast('httplib', 'HTTPSConnection', 'HIGH');
    atLeast('requests.api', 'get', 'HIGH');
    atLeast('aiohttp.client', 'ClientSession', 'HIGH');
  });
});

describe('deny extensions', () => {
  it.each([
    ['builtins', 'setattr'],
    ['builtins', 'globals'],
    ['importlib', 'import_module'],
    ['pkgutil', 'resolve_name'],
    ['ctypes', 'CDLL'],
    ['_ctypes', 'dlopen'],
    ['types', 'CodeType'],
    ['types', 'FunctionType'],
    ['marshal', 'loads'],
    ['code', 'InteractiveInterpreter'],
    ['timeit', 'timeit'],
    ['cProfile', 'run'],
    ['pydoc', 'locate'],
    ['pip', 'main'],
    ['functools', 'reduce'],
    ['operator', 'methodcaller'],
    ['tempfile', 'mkstemp'],
    ['io', 'open'],
    ['_io', 'FileIO'],
    ['numpy', 'load'],
    ['numpy.lib.npyio', 'load'],
    ['numpy.f2py', 'compile'],
    ['numpy.testing._private.utils', 'runstring'],
    ['numpy.core', '_ufunc_reconstruct'],
    ['torch', 'load'],
    ['torch.serialization', 'load'],
    ['torch.hub', 'load'],
    ['torch.utils.cpp_extension', 'load_inline'],
    ['torch.jit.unsupported_tensor_ops', 'execWrapper'],
    ['joblib', 'load'],
    ['joblib.numpy_pickle', 'load'],
    ['dill', 'loads'],
    ['dill._dill', '_create_code'],
    ['cloudpickle.cloudpickle', '_make_function'],
    ['cloudpickle.cloudpickle_fast', '_function_setstate'],
    ['pandas', 'read_pickle'],
    ['pandas.io.pickle', 'read_pickle'],
    ['urllib.request', 'urlretrieve'],
    ['shelve', 'open'],
    ['sympy', 'sympify'],
    ['unittest.mock', 'patch'],
    ['uuid', '_get_command_stdout'],
  ])('%s.%s is CRITICAL', (module, name) => {
    expect(severityOf(module, name)).toBe('CRITICAL');
  });

  it.each([
    ['http.client', 'HTTPSConnection'],
    ['urllib3', 'PoolManager'],
    ['ftplib', 'FTP'],
    ['smtplib', 'SMTP'],
    ['ssl', 'get_server_certificate'],
    ['threading', 'Thread'],
    ['_thread', 'start_new_thread'],
    ['signal', 'pthread_kill'],
    ['glob', 'glob'],
    ['linecache', 'getline'],
    ['gc', 'get_objects'],
    ['concurrent.futures', 'ProcessPoolExecutor'],
  ])('%s.%s is HIGH or worse', (module, name) => {
    atLeast(module, name, 'HIGH');
  });

  it('matches submodules of a denied module', () => {
    expect(severityOf('asyncio.unix_events', '_UnixSelectorEventLoop')).toBe('CRITICAL');
    expect(severityOf('os.path', 'join')).toBe('CRITICAL');
    expect(severityOf('importlib.machinery', 'SourceFileLoader')).toBe('CRITICAL');
    expect(severityOf('torch.fx.experimental.symbolic_shapes', 'ShapeEnv')).toBe('CRITICAL');
    expect(severityOf('torch.utils.bottleneck.__main__', 'run_cprofile')).toBe('CRITICAL');
  });

  it('does not match a module that merely shares a prefix', () => {
    expect(classifyGlobal('ossify', 'system').verdict).toBe('unknown');
    expect(classifyGlobal('pickleball', 'loads').verdict).toBe('unknown');
    expect(classifyGlobal('system', 'os').verdict).toBe('unknown');
  });

  it('matches attribute suffixes on the first name component (eval.__call__)', () => {
    expect(severityOf('builtins', 'eval.__call__')).toBe('CRITICAL');
    expect(severityOf('__builtin__', 'getattr.__self__')).toBe('CRITICAL');
    expect(severityOf('operator', 'attrgetter.__call__')).toBe('CRITICAL');
  });

  it('follows dotted names through modules that carry dangerous ones', () => {
    expect(severityOf('pathlib', 'os.system')).toBe('CRITICAL');
    expect(severityOf('tempfile', '_os.system')).toBe('CRITICAL');
    expect(severityOf('glob', 'os.system')).toBe('CRITICAL');
    expect(severityOf('shutil', 'os.system')).toBe('CRITICAL');
    expect(severityOf('collections', '_sys.modules')).toBe('CRITICAL');
    expect(severityOf('torch', 'serialization.os.system')).toBe('CRITICAL');
    expect(severityOf('numpy', 'testing._private.utils.runstring')).toBe('CRITICAL');
    expect(severityOf('__main__', '__builtins__.eval')).toBe('CRITICAL');
    expect(severityOf('pathlib', 'PosixPath.write_text')).toBe('CRITICAL');
    expect(severityOf('pandas.core.frame', 'DataFrame.to_pickle')).toBe('CRITICAL');
  });

  it('flags attribute paths into interpreter internals', () => {
    atLeast('collections', 'OrderedDict.__init__.__globals__', 'HIGH');
    atLeast('numpy.random._pickle', '__builtins__', 'HIGH');
    atLeast('sklearn.base', 'BaseEstimator.__class__.__subclasses__', 'HIGH');
  });

  it('enumerates the attribute-path candidates of a dotted name', () => {
    const pairs = candidatePairs('m', 'a.b.c').map(([module, name]) => `${module}:${name}`);
    for (const pair of ['m:a.b.c', 'm:a', 'm.a:b', 'm.a.b:c', 'a:b', 'a.b:c', 'b:c']) expect(pairs).toContain(pair);
    const stripped = candidatePairs('tempfile', '_os.system').map(([module, name]) => `${module}:${name}`);
    expect(stripped).toContain('os:system');
  });

  it('ranks code-bearing reconstructors as code-bearing', () => {
    const dill = classifyGlobal('dill._dill', '_create_function');
    expect(dill).toMatchObject({ verdict: 'dangerous', severity: 'CRITICAL', codeBearing: true });
    const cloud = classifyGlobal('cloudpickle.cloudpickle', '_builtin_type');
    expect(cloud).toMatchObject({ verdict: 'dangerous', codeBearing: true });
    const vendored = classifyGlobal('joblib.externals.cloudpickle.cloudpickle_fast', '_make_skeleton_class');
    expect(vendored).toMatchObject({ verdict: 'dangerous', codeBearing: true });
    const types = classifyGlobal('types', 'CodeType');
    expect(types).toMatchObject({ verdict: 'dangerous', severity: 'CRITICAL', codeBearing: true });
    expect(classifyGlobal('os', 'system')).toMatchObject({ verdict: 'dangerous', codeBearing: false });
  });

  it('keeps re-exported machinery out of package-wide class allowances', () => {
    atLeast('sklearn.utils._joblib', 'Parallel', 'HIGH');
    atLeast('sklearn.datasets._covtype', 'GzipFile', 'HIGH');
    atLeast('scipy.interpolate._interpnd_info', 'Matrix', 'CRITICAL');
    expect(classifyGlobal('sklearn.linear_model._logistic', 'LogisticRegression').verdict).toBe('safe');
  });

  it('returns the matching entry and its reason', () => {
    const c = classifyGlobal('posix', 'system');
    expect(c.verdict).toBe('dangerous');
    if (c.verdict === 'dangerous') {
      expect(c.entry.module).toBe('posix');
      expect(c.reason).toBe(c.entry.reason);
    }
  });
});

describe('allow list', () => {
  it('classifies every global of the benign pickles as safe', () => {
    expect(benign.globals.length).toBeGreaterThan(400);
    const notSafe = benign.globals
      .map((g) => ({ g, c: classifyGlobal(g.module, g.name) }))
      .filter(({ c }) => c.verdict !== 'safe')
      .map(({ g, c }) => `${g.module}.${g.name}: ${c.verdict}${c.verdict === 'dangerous' ? ` (${c.reason})` : ''}`);
    expect(notSafe).toEqual([]);
  });

  it('documents the benign objects that are still flagged (bound methods pickle via getattr)', () => {
    for (const g of benign.knownFlagged) expect(classifyGlobal(g.module, g.name).verdict, `${g.module}.${g.name}`).toBe(g.expect);
    expect(benign.knownFlagged.some((g) => g.module === 'builtins' && g.name === 'getattr')).toBe(true);
  });

  it('allows exact names only: no dotted suffix, no submodule for a list', () => {
    expect(classifyGlobal('collections', 'OrderedDict').verdict).toBe('safe');
    expect(classifyGlobal('collections', 'OrderedDict.fromkeys').verdict).toBe('unknown');
    expect(classifyGlobal('collections.abc', 'OrderedDict').verdict).toBe('unknown');
    expect(classifyGlobal('torch._utils', '_rebuild_tensor_v2').verdict).toBe('safe');
    expect(classifyGlobal('torch._utils', '_rebuild_tensor_v2.__globals__').verdict).toBe('dangerous');
  });

  it("'*' covers the exact module and plain names only", () => {
    expect(classifyGlobal('numpy.random._pickle', '__bit_generator_ctor').verdict).toBe('safe');
    expect(classifyGlobal('numpy.random._pickle', 'BitGenerators.get').verdict).toBe('unknown');
    expect(classifyGlobal('numpy.random._pickle.sub', '__bit_generator_ctor').verdict).toBe('unknown');
  });

  it("'classes' covers submodules and capitalised plain names only", () => {
    expect(classifyGlobal('sklearn.ensemble._forest', 'RandomForestClassifier').verdict).toBe('safe');
    expect(classifyGlobal('torch.nn.modules.linear', 'Linear').verdict).toBe('safe');
    expect(classifyGlobal('sklearn.ensemble._forest', 'helper_function').verdict).toBe('unknown');
    expect(classifyGlobal('sklearn.ensemble._forest', 'RandomForestClassifier.fit').verdict).toBe('unknown');
    expect(classifyGlobal('sklearnx', 'Foo').verdict).toBe('unknown');
  });

  it('lets deny win over allow', () => {
    expect(classifyGlobal('numpy', 'load').verdict).toBe('dangerous');
    expect(classifyGlobal('sklearn.datasets._base', 'Bunch').verdict).toBe('dangerous');
    expect(classifyGlobal('pandas.core.computation.expr', 'Expr').verdict).toBe('dangerous');
    const extra = { allow: [{ module: 'os', names: ['system'], reason: 'test' }] };
    expect(classifyGlobal('os', 'system', extra).verdict).toBe('dangerous');
  });

  it('applies extra allow and deny entries', () => {
    expect(classifyGlobal('mypkg.models', 'Net').verdict).toBe('unknown');
    expect(classifyGlobal('mypkg.models', 'Net', { allow: [{ module: 'mypkg', names: 'classes', reason: 'ours' }] }).verdict).toBe('safe');
    const deny: DenyEntry[] = [{ module: 'mypkg', names: ['evil'], severity: 'HIGH', reason: 'ours' }];
    expect(classifyGlobal('mypkg.sub', 'evil.x', { deny })).toMatchObject({ verdict: 'dangerous', severity: 'HIGH', codeBearing: false });
    expect(classifyGlobal('mypkg.sub', 'good', { deny }).verdict).toBe('unknown');
  });
});

describe('unknown globals', () => {
  it.each([
    ['__main__', 'MyModel'],
    ['mypackage.layers', 'Block'],
    ['collections', 'namedtuple'],
    ['builtins', 'print'],
    ['functools', 'partial'],
    ['numpy', 'vectorize'],
  ])('%s.%s is unknown', (module, name) => {
    expect(classifyGlobal(module, name)).toEqual({ verdict: 'unknown' });
  });
});

describe('policy data hygiene', () => {
  it('gives every entry a reason', () => {
    for (const e of [...DENY, ...CODE_BEARING, ...ALLOW, ...NESTED_LOADERS]) expect(e.reason.trim(), e.module).not.toBe('');
  });

  it('denies every nested loader that is not content-checked, and allows the content-checked ones', () => {
    for (const loader of NESTED_LOADERS) {
      const c = classifyGlobal(loader.module, loader.name);
      if (loader.contentChecked === true) expect(c.verdict, `${loader.module}.${loader.name}`).toBe('safe');
      else expect(c, `${loader.module}.${loader.name}`).toMatchObject({ verdict: 'dangerous', severity: 'CRITICAL' });
    }
    expect(NESTED_LOADERS.find((l) => l.module === 'torch.storage' && l.name === '_load_from_bytes')?.contentChecked).toBe(true);
  });

  it('keeps code-bearing entries at HIGH or above', () => {
    for (const e of CODE_BEARING) expect(severityRank(e.severity), e.module).toBeGreaterThanOrEqual(severityRank('HIGH'));
  });
});
