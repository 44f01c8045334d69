/**
 * `modelscan-guard scan` as a user runs it: the built binary in a child process, real files on disk,
 * exit codes and report formats. (npm test builds dist/ first.)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asm, callPickle, op } from '../helpers/pickle-asm.js';

const BIN = resolve('bin/modelscan-guard.js');

function cli(args: string[], cwd?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'msg-cli-'));
  mkdirSync(join(dir, 'clean'));
  writeFileSync(join(dir, 'clean', 'weights.pkl'), asm(op.proto(4), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.STOP));
  mkdirSync(join(dir, 'evil'));
  writeFileSync(join(dir, 'evil', 'notes.txt'), callPickle('posix', 'system')); // a pickle wearing a .txt name
  writeFileSync(join(dir, 'evil', 'readme.md'), '# not a model\n');
  mkdirSync(join(dir, 'broken'));
  writeFileSync(join(dir, 'broken', 'model.pkl'), asm(op.proto(4), op.EMPTY_LIST, op.binint1(1), op.APPEND)); // no STOP
  mkdirSync(join(dir, 'text'));
  writeFileSync(join(dir, 'text', 'a.txt'), 'just text\n');
  mkdirSync(join(dir, 'medium'));
  writeFileSync(join(dir, 'medium', 'm.pkl'), asm(op.proto(4), op.global('someone.elses', 'Thing'), op.EMPTY_TUPLE, op.REDUCE, op.STOP));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exit codes (modelscan compatible)', () => {
  it('0: scanned and clean, with wording that says so', () => {
    const r = cli(['scan', join(dir, 'clean')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/No issues found in 1 scanned file/);
  });

  it('1: a finding, for a pickle renamed .txt, with the file, the global, its use and the offset', () => {
    const r = cli(['scan', join(dir, 'evil')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/CRITICAL .*notes\.txt {2}posix\.system called at byte \d+/);
    expect(r.stdout).not.toMatch(/No issues found/);
  });

  it('2: a supported file that could not be fully analysed, and no finding', () => {
    const r = cli(['scan', join(dir, 'broken')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/ERROR .*model\.pkl .*truncated/);
    expect(r.stdout).not.toMatch(/No issues found/);
  });

  it('3: nothing supported was found', () => {
    const r = cli(['scan', join(dir, 'text')]);
    expect(r.code).toBe(3);
    expect(r.stdout).not.toMatch(/No issues found/);
  });

  it('4: usage errors say what is wrong', () => {
    expect(cli(['scan']).code).toBe(4);
    const bad = cli(['scan', '--fail-on', 'SEVERE', dir]);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/--fail-on must be one of LOW, MEDIUM, HIGH, CRITICAL/);
    expect(cli(['scna', dir]).code).toBe(4);
    expect(cli(['scan', '--no-such-flag', dir]).code).toBe(4);
    expect(cli(['scan', '--format', 'xml', dir]).code).toBe(4);
  });

  it('--fail-on raises the bar: a MEDIUM finding passes --fail-on HIGH but is still reported', () => {
    const low = cli(['scan', join(dir, 'medium')]);
    expect(low.code).toBe(1);
    const high = cli(['scan', '--fail-on', 'HIGH', join(dir, 'medium')]);
    expect(high.code).toBe(0);
    expect(high.stdout).toMatch(/MEDIUM .*someone\.elses\.Thing/);
  });

  it('findings take precedence over errors', () => {
    const r = cli(['scan', join(dir, 'evil'), join(dir, 'broken')]);
    expect(r.code).toBe(1);
  });

  it('a missing path is an error, not a silent pass', () => {
    const r = cli(['scan', join(dir, 'does-not-exist')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/no such file or directory/);
  });
});

describe('reports', () => {
  it('--show-skipped lists what was not scanned and why', () => {
    const r = cli(['scan', '--show-skipped', join(dir, 'evil')]);
    expect(r.stdout).toMatch(/SKIPPED .*readme\.md {2}not a model format/);
  });

  it('--format json follows modelscan\'s schema, with sources relative to the input directory', () => {
    const r = cli(['scan', '--format', 'json', join(dir, 'evil')]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc.summary)).toEqual(expect.arrayContaining(['total_issues_by_severity', 'total_issues', 'input_path', 'absolute_path', 'scanned', 'skipped']));
    expect(doc.summary.total_issues_by_severity).toEqual({ LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 1 });
    expect(doc.summary.scanned).toEqual({ total_scanned: 1, scanned_files: ['notes.txt'] });
    expect(doc.summary.skipped.total_skipped).toBe(1);
    expect(doc.summary.skipped.skipped_files[0]).toEqual({ category: 'SCAN_NOT_SUPPORTED', description: expect.any(String), source: 'readme.md' });
    expect(doc.issues).toHaveLength(1);
    const issue = doc.issues[0];
    expect(issue).toMatchObject({ operator: 'system', module: 'posix', source: 'notes.txt', severity: 'CRITICAL', rule: 'pickle/dangerous-global', use: 'called' });
    expect(issue.description).toMatch(/posix\.system/);
    expect(issue.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof issue.offset).toBe('number');
    expect(doc.errors).toEqual([]);
  });

  it('json errors carry category, description and source', () => {
    const doc = JSON.parse(cli(['scan', '--format', 'json', join(dir, 'broken')]).stdout);
    expect(doc.errors[0]).toMatchObject({ category: 'PARSE', source: 'model.pkl' });
    expect(doc.errors[0].description).toMatch(/truncated/);
  });

  it('--output writes the report to a file and nothing to stdout', () => {
    const out = join(dir, 'report.json');
    const r = cli(['scan', '--format', 'json', '--output', out, join(dir, 'evil')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(out, 'utf8')).summary.total_issues).toBe(1);
  });

  it('--version and --help answer', () => {
    expect(cli(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = cli(['scan', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--fail-on/);
  });
});

describe('--config', () => {
  it('an allow entry with a reason turns an unknown class of your own into a clean file', () => {
    const cfg = join(dir, 'allow.json');
    writeFileSync(cfg, JSON.stringify({ pickle: { allow: [{ module: 'someone.elses', names: ['Thing'], reason: 'our own class' }] } }));
    expect(cli(['scan', join(dir, 'medium')]).code).toBe(1);
    expect(cli(['scan', '--config', cfg, join(dir, 'medium')]).code).toBe(0);
  });

  it('allow never beats the deny list', () => {
    const cfg = join(dir, 'allow-posix.json');
    writeFileSync(cfg, JSON.stringify({ pickle: { allow: [{ module: 'posix', names: ['system'], reason: 'trying to allow a command runner' }] } }));
    expect(cli(['scan', '--config', cfg, join(dir, 'evil')]).code).toBe(1);
  });

  it('a deny entry adds a finding with its severity; failOn comes from the config unless --fail-on overrides it', () => {
    const cfg = join(dir, 'deny.json');
    writeFileSync(cfg, JSON.stringify({ failOn: 'CRITICAL', pickle: { deny: [{ module: 'collections', names: ['OrderedDict'], severity: 'HIGH', reason: 'not in our models' }] } }));
    const r = cli(['scan', '--config', cfg, join(dir, 'clean')]);
    expect(r.stdout).toMatch(/HIGH .*collections\.OrderedDict/);
    expect(r.code).toBe(0);
    expect(cli(['scan', '--config', cfg, '--fail-on', 'HIGH', join(dir, 'clean')]).code).toBe(1);
  });

  it('an invalid config is a usage error naming the key', () => {
    const cfg = join(dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ pickle: { allow: [{ module: 'x', names: ['A'] }] } }));
    const r = cli(['scan', '--config', cfg, dir]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/pickle\.allow\[0\]\.reason/);
  });
});

describe('config discovery', () => {
  it('finds the config at the repository root from a subfolder, and runs from inside .git too', () => {
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'sub'), { recursive: true });
    expect(spawnSync('git', ['init', '-q', repo]).status).toBe(0);
    writeFileSync(join(repo, '.modelscan-guardrc.json'), JSON.stringify({ pickle: { allow: [{ module: 'someone.elses', names: ['Thing'], reason: 'our own class' }] } }));
    const model = join(repo, 'sub', 'm.pkl');
    writeFileSync(model, readFileSync(join(dir, 'medium', 'm.pkl')));
    const fromSub = cli(['scan', model], join(repo, 'sub'));
    expect(fromSub.code, fromSub.stderr).toBe(0);
    // Outside the repository the config is not found: the unknown class is a finding again.
    expect(cli(['scan', model], dir).code).toBe(1);
    // Inside .git there is no work tree: the current folder is the root, and the scan still runs.
    const fromGitDir = cli(['scan', model], join(repo, '.git'));
    expect(fromGitDir.code, fromGitDir.stderr).toBe(1);
    expect(fromGitDir.stdout).toMatch(/someone\.elses\.Thing/);
  });
});

describe('special files', () => {
  it('a FIFO in a scanned directory is skipped, not opened (no hang)', () => {
    const fifoDir = join(dir, 'fifo');
    mkdirSync(fifoDir);
    const mk = spawnSync('mkfifo', [join(fifoDir, 'pipe.pkl')]);
    if (mk.status !== 0) throw new Error('mkfifo is needed for this test');
    writeFileSync(join(fifoDir, 'ok.pkl'), asm(op.proto(4), op.EMPTY_DICT, op.STOP));
    const r = cli(['scan', '--show-skipped', fifoDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/SKIPPED .*pipe\.pkl {2}not a regular file/);
  });
});
