/**
 * The smaller commands and options: explain (and README's rule list), init, config / --print-config with the
 * source of each value, modelscan settings files, --quiet / --verbose, and the progress line's TTY rules.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeMatches, rulesTable } from '../../src/cli/explain.js';
import { Progress, progressWanted } from '../../src/cli/progress.js';
import { discoverConfig } from '../../src/config/discover.js';
import { mapModelscanSettings } from '../../src/config/modelscan-settings.js';
import { DEFAULT_LIMITS } from '../../src/engine/limits.js';
import { RULES } from '../../src/rules.js';
import { asm, callPickle, op } from '../helpers/pickle-asm.js';

const BIN = resolve('bin/modelscan-guard.js');

function cli(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, GIT_CEILING_DIRECTORIES: tmpdir() } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'msg-cmd-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('explain', () => {
  it('prints id, title, why and fix of every rule', () => {
    for (const rule of RULES) {
      const r = cli(['explain', rule.id]);
      expect(r.code).toBe(0);
      for (const part of [rule.id, rule.title, rule.why, rule.fix]) expect(r.stdout).toContain(part);
    }
  });

  it('an unknown rule exits 4 and lists close matches', () => {
    const r = cli(['explain', 'pickle/dangerous-globl']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/no rule "pickle\/dangerous-globl"; did you mean:\n {2}pickle\/dangerous-global/);
    expect(closeMatches('unknown-global').map((x) => x.id)[0]).toBe('pickle/unknown-global');
    expect(closeMatches('zzzzzzzzzzzz')).toEqual([]);
    expect(cli(['explain', 'zzzzzzzzzzzz']).stderr).toMatch(/explain --list/);
  });

  it('without a rule, lists them all', () => {
    const r = cli(['explain']);
    expect(r.code).toBe(0);
    for (const rule of RULES) expect(r.stdout).toContain(rule.id);
  });

  it('README lists every rule (the table is generated from src/rules.ts: modelscan-guard explain --markdown)', () => {
    const readme = readFileSync(resolve('README.md'), 'utf8');
    const rows = rulesTable().split('\n').filter((l) => l.startsWith('| `'));
    expect(rows.length).toBe(RULES.length);
    const missing = RULES.filter((r) => !readme.includes(`| \`${r.id}\` |`)).map((r) => r.id);
    expect(missing, 'rules missing from README.md: regenerate its table with `modelscan-guard explain --markdown`').toEqual([]);
  });
});

describe('init', () => {
  it('writes a commented YAML config that discovery reads back as the defaults; refuses to overwrite without --force', async () => {
    const d = join(dir, 'init');
    mkdirSync(d);
    const r = cli(['init'], d);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(d, '.modelscan-guardrc.yaml'), 'utf8');
    expect(text).toMatch(/^# modelscan-guard configuration/);
    expect(text.split('\n').filter((l) => l.startsWith('#')).length).toBeGreaterThan(10);
    const found = await discoverConfig(d);
    expect(found.source).toBe(join(d, '.modelscan-guardrc.yaml'));
    expect(found.config).toEqual({ failOn: 'LOW', include: [], exclude: [], allow: [], lfs: { missing: 'block', verify: false }, pickle: { allow: [], deny: [] } });
    expect(text).toContain(`maxNestingDepth: ${DEFAULT_LIMITS.maxNestingDepth}`);
    writeFileSync(join(d, '.modelscan-guardrc.yaml'), 'failOn: HIGH\n');
    const again = cli(['init'], d);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/already exists; --force/);
    expect(readFileSync(join(d, '.modelscan-guardrc.yaml'), 'utf8')).toBe('failOn: HIGH\n');
    expect(cli(['init', '--force'], d).code).toBe(0);
    expect(readFileSync(join(d, '.modelscan-guardrc.yaml'), 'utf8')).toBe(text);
  });

  it('discovery reads the package.json key, and a package.json that only depends on modelscan-guard is no config', async () => {
    const d = join(dir, 'pkg-config');
    mkdirSync(d);
    writeFileSync(join(d, 'package.json'), JSON.stringify({ name: 'consumer', devDependencies: { 'modelscan-guard': '^0.1.0' } }));
    expect(await discoverConfig(d)).toEqual({ config: {} });
    writeFileSync(join(d, 'package.json'), JSON.stringify({ name: 'consumer', 'modelscan-guard': { failOn: 'HIGH' } }));
    const found = await discoverConfig(d);
    expect(found.source).toBe(join(d, 'package.json'));
    expect(found.config.failOn).toBe('HIGH');
    writeFileSync(join(d, 'package.json'), '{"name": ');
    await expect(discoverConfig(d)).rejects.toThrow(/cannot read the modelscan-guard config/);
  });

    it('refuses when another config file would compete with it', () => {
    const d = join(dir, 'init-other');
    mkdirSync(d);
    writeFileSync(join(d, '.modelscan-guardrc.json'), '{"failOn": "HIGH"}');
    const r = cli(['init'], d);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/a config already exists: .*\.modelscan-guardrc\.json/);
  });
});

describe('config / --print-config', () => {
  it('shows each effective value and where it came from: default, the file, a flag', () => {
    const d = join(dir, 'cfg');
    mkdirSync(d);
    writeFileSync(join(d, '.modelscan-guardrc.json'), JSON.stringify({ failOn: 'MEDIUM', exclude: ['vendor/**'], limits: { maxNestingDepth: 3 } }));
    const file = join(d, '.modelscan-guardrc.json');
    const r = cli(['config'], d);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`failOn = "MEDIUM"  # ${file}`);
    expect(r.stdout).toContain(`exclude = ["vendor/**"]  # ${file}`);
    expect(r.stdout).toContain(`limits.maxNestingDepth = 3  # ${file}`);
    expect(r.stdout).toContain('lfs.missing = "block"  # default');
    expect(r.stdout).toContain(`limits.maxNestedPayloadBytes = ${DEFAULT_LIMITS.maxNestedPayloadBytes}  # default`);
    const flag = cli(['scan', '--print-config', '--fail-on', 'critical', 'anything'], d);
    expect(flag.code).toBe(0);
    expect(flag.stdout).toContain('failOn = "CRITICAL"  # flag --fail-on');
  });

  it('an invalid config is still a usage error', () => {
    const d = join(dir, 'cfg-bad');
    mkdirSync(d);
    writeFileSync(join(d, '.modelscan-guardrc.json'), JSON.stringify({ failOn: 'SEVERE' }));
    const r = cli(['config'], d);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/failOn/);
  });
});

const SETTINGS = `# ModelScan settings file
supported_zip_extensions = [".zip", ".npz"]

[scanners."modelscan.scanners.PickleUnsafeOpScan"]
enabled = true
supported_extensions = [".pkl", ".pickle"]

[scanners."modelscan.scanners.H5LambdaDetectScan"]
enabled = false
supported_extensions = [".h5"]

[unsafe_globals.CRITICAL]
__builtin__ = ["eval", "exec"]
os = "*"

[unsafe_globals.HIGH]
"requests.api" = "*"

[unsafe_globals.MEDIUM]
collections = ["OrderedDict"]

[unsafe_globals.LOW]

[reporting]
module = "modelscan.reports.JSONReport"

[reporting.settings]
show_skipped = true
`;

describe('--settings-file (modelscan migration)', () => {
  it('maps unsafe_globals to deny entries, the JSON reporting module to --format json, and lists what it ignores', () => {
    const d = join(dir, 'settings');
    mkdirSync(d);
    writeFileSync(join(d, 'modelscan-settings.toml'), SETTINGS);
    writeFileSync(join(d, 'weights.pkl'), asm(op.proto(4), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.STOP));
    expect(cli(['scan', join(d, 'weights.pkl')]).code).toBe(0);
    const r = cli(['scan', '--settings-file', join(d, 'modelscan-settings.toml'), join(d, 'weights.pkl')], d);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout); // reporting.module JSONReport
    expect(doc.issues[0]).toMatchObject({ module: 'collections', operator: 'OrderedDict', severity: 'MEDIUM' });
    expect(r.stderr).toMatch(/applied unsafe_globals: 4 module entries → pickle\.deny/);
    expect(r.stderr).toMatch(/ignored scanners\."modelscan\.scanners\.H5LambdaDetectScan"\.enabled = false: not followed/);
    expect(r.stderr).toMatch(/ignored supported_zip_extensions/);
    expect(r.stderr).toMatch(/ignored reporting\.settings\.show_skipped/);
    const console = cli(['scan', '--settings-file', join(d, 'modelscan-settings.toml'), '--format', 'console', join(d, 'weights.pkl')], d);
    expect(console.stdout).toMatch(/MEDIUM .*collections\.OrderedDict/);
    const printed = cli(['config', '--settings-file', join(d, 'modelscan-settings.toml')], d);
    expect(printed.stdout).toMatch(/pickle\.deny = \[4 entries\]  # modelscan settings .*modelscan-settings\.toml/);
  });

  it('a malformed file or table is a usage error naming the file', () => {
    const bad = join(dir, 'bad.toml');
    writeFileSync(bad, '[unsafe_globals\n');
    const r = cli(['scan', '--settings-file', bad, dir]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(bad);
    expect(() => mapModelscanSettings({ unsafe_globals: { SEVERE: { os: '*' } } }, 'x.toml')).toThrow(/severity/);
    expect(() => mapModelscanSettings({ unsafe_globals: { HIGH: { 'not a module!': '*' } } }, 'x.toml')).toThrow(/module/);
  });
});

describe('--quiet and --verbose', () => {
  it('--quiet prints nothing for a clean run and the report when something is found', () => {
    const d = join(dir, 'quiet');
    mkdirSync(d);
    writeFileSync(join(d, 'ok.pkl'), asm(op.proto(4), op.EMPTY_DICT, op.STOP));
    const clean = cli(['scan', '-q', d]);
    expect(clean.code).toBe(0);
    expect(clean.stdout + clean.stderr).toBe('');
    writeFileSync(join(d, 'evil.pkl'), callPickle('posix', 'system'));
    const found = cli(['scan', '--quiet', d]);
    expect(found.code).toBe(1);
    expect(found.stdout).toMatch(/CRITICAL .*evil\.pkl/);
    expect(cli(['scan', '-q', '-v', d]).code).toBe(4);
  });

  it('--verbose names the config in use, lists skipped files and the time taken', () => {
    const d = join(dir, 'verbose');
    mkdirSync(d);
    writeFileSync(join(d, 'ok.pkl'), asm(op.proto(4), op.EMPTY_DICT, op.STOP));
    writeFileSync(join(d, 'notes.md'), '# text\n');
    const r = cli(['scan', '-v', d]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/config: defaults/);
    expect(r.stderr).toMatch(/1 scanned, 1 not scanned, 0 not fully analysed in \d+\.\d+ s/);
    expect(r.stdout).toMatch(/SKIPPED .*notes\.md/);
  });

  it('not a TTY (a pipe, as in hooks and CI): no progress output at all', () => {
    const d = join(dir, 'quiet');
    const r = cli(['scan', d]);
    expect(r.stderr).not.toMatch(/scanning:|\r/);
  });
});

describe('progress line', () => {
  const tty = (columns: number | undefined) => {
    const writes: string[] = [];
    return { stream: { isTTY: true, columns, write: (s: string) => (writes.push(s), true) }, writes };
  };

  it('only on a TTY with a real width, never with --quiet', () => {
    expect(progressWanted(tty(80).stream, false)).toBe(true);
    expect(progressWanted(tty(80).stream, true)).toBe(false);
    expect(progressWanted(tty(0).stream, false)).toBe(false); // the 0-column terminal where ora loops forever
    expect(progressWanted(tty(undefined).stream, false)).toBe(false);
    expect(progressWanted({ isTTY: false, columns: 80, write: () => true }, false)).toBe(false);
  });

  it('stays silent for the first second, then shows files, bytes and rate on one line, and erases it at the end', () => {
    let now = 0;
    const { stream, writes } = tty(60);
    const p = new Progress(stream, { timers: false, now: () => now });
    p.update(1, 1024, 'a.pkl');
    now = 500;
    p.update(2, 2048, 'b.pkl');
    expect(writes).toEqual([]);
    now = 2000;
    p.update(3, 4 * 1024 * 1024, 'models/some/very/long/path/to/a/checkpoint/that/does/not/fit.pt');
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^\rscanning: 3 files, 4\.0 MiB, 2\.0 MiB\/s {2}models/);
    expect(writes[0]!.replace('\r', '').replace('\x1b[K', '').length).toBeLessThanOrEqual(59);
    expect(writes[0]).not.toContain('\n');
    p.done();
    expect(writes.at(-1)).toBe('\r\x1b[K');
  });

  it('a short scan leaves nothing behind', () => {
    const { stream, writes } = tty(80);
    const p = new Progress(stream, { timers: false, now: () => 0 });
    p.update(1, 10);
    p.done();
    expect(writes).toEqual([]);
  });
});
