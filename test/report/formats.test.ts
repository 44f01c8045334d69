/**
 * SARIF, JUnit and Markdown from real scans (the built CLI on files written here): SARIF validated against the
 * SARIF 2.1.0 JSON schema kept in test/data/sarif (schemastore's, the one GitHub's $schema names; draft-04, so
 * ajv-draft-04), JUnit parsed back as XML, Markdown checked for its table and escaping.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderJunit, xmlEscape } from '../../src/report/junit.js';
import { mdCell, renderMarkdown } from '../../src/report/markdown.js';
import type { RunReport } from '../../src/report/model.js';
import { renderSarif } from '../../src/report/sarif.js';
import { RULES } from '../../src/rules.js';
import { asm, callPickle, op } from '../helpers/pickle-asm.js';

const BIN = resolve('bin/modelscan-guard.js');
// CommonJS packages: under NodeNext their default import is module.exports, whose `default` is the export itself.
const Ajv = ajvDraft04.default;
const addFormats = ajvFormats.default;
const schema = JSON.parse(readFileSync(resolve('test/data/sarif/sarif-2.1.0-rtm.5.json'), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }) // the schema's language pattern is valid only without the u flag;
addFormats(ajv);
const validateSarif = ajv.compile(schema);

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'msg-formats-'));
  mkdirSync(join(dir, 'models', 'sub dir'), { recursive: true });
  writeFileSync(join(dir, 'models', 'sub dir', 'evil <&>.pt'), callPickle('posix', 'system'));
  writeFileSync(join(dir, 'models', 'clean.pkl'), asm(op.proto(4), op.EMPTY_DICT, op.STOP));
  writeFileSync(join(dir, 'models', 'broken.pkl'), asm(op.proto(4), op.EMPTY_LIST, op.binint1(1), op.APPEND));
  writeFileSync(join(dir, 'models', 'readme.md'), '# not a model\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SARIF', () => {
  it('is valid SARIF 2.1.0, with every rule of src/rules.ts and one result per finding', () => {
    const r = cli(['scan', '--format', 'sarif', join(dir, 'models')]);
    expect(r.code).toBe(1);
    const log = JSON.parse(r.stdout);
    const ok = validateSarif(log);
    expect(validateSarif.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining(RULES.map((x) => x.id)));
    for (const rule of run.tool.driver.rules) {
      expect(rule.shortDescription.text).not.toBe('');
      expect(rule.help.text).toMatch(/What to do/);
      expect(['error', 'warning', 'note']).toContain(rule.defaultConfiguration.level);
      expect(Number(rule.properties['security-severity'])).toBeGreaterThan(0);
    }
    expect(run.results).toHaveLength(1);
    const res = run.results[0];
    expect(res).toMatchObject({ ruleId: 'pickle/dangerous-global', level: 'error' });
    expect(run.tool.driver.rules[res.ruleIndex].id).toBe(res.ruleId);
    const loc = res.locations[0].physicalLocation;
    expect(loc.artifactLocation.uri).toBe('sub%20dir/evil%20%3C%26%3E.pt'); // relative to the input folder, encoded
    expect(loc.region).toEqual({ startLine: 1 });
    expect(res.partialFingerprints['modelscanGuard/v1']).toMatch(/^[0-9a-f]{64}$/);
    expect(res.properties).toMatchObject({ module: 'posix', operator: 'system', use: 'called', severity: 'CRITICAL' });
    expect(typeof res.properties.offset).toBe('number');
    // the truncated pickle is a tool notification, and the run says it was not fully successful
    expect(run.invocations[0].executionSuccessful).toBe(false);
    expect(run.invocations[0].toolExecutionNotifications[0].message.text).toMatch(/broken\.pkl.*truncated/);
  });

  it('fingerprints follow the content: same bytes under another name, same fingerprint', () => {
    const other = join(dir, 'copy');
    mkdirSync(other);
    writeFileSync(join(other, 'renamed.bin'), callPickle('posix', 'system'));
    const a = JSON.parse(cli(['scan', '--format', 'sarif', join(dir, 'models')]).stdout).runs[0].results[0];
    const b = JSON.parse(cli(['scan', '--format', 'sarif', other]).stdout).runs[0].results[0];
    expect(b.partialFingerprints).toEqual(a.partialFingerprints);
    rmSync(other, { recursive: true });
  });

  it('the schema check can fail: a result without a message is rejected', () => {
    const log = JSON.parse(cli(['scan', '--format', 'sarif', join(dir, 'models')]).stdout);
    delete log.runs[0].results[0].message;
    expect(validateSarif(log)).toBe(false);
    log.runs[0].results[0].message = { text: 'x' };
    log.runs[0].results[0].level = 'critical';
    expect(validateSarif(log)).toBe(false);
  });

  it('a commit and an allow entry from the git modes become a property and a suppression', () => {
    const report: RunReport = {
      inputs: ['/repo'],
      root: '/repo',
      results: [
        Object.assign(
          {
            artifact: { path: 'm/x.pkl', origin: 'git-blob' as const, size: 3, commit: 'a'.repeat(40), open: () => { throw new Error('unused'); } },
            formats: ['pickle' as const],
            sha256: 'b'.repeat(64),
            findings: [{ severity: 'HIGH' as const, rule: 'pickle/code-bearing', scanner: 'pickle', path: 'm/x.pkl', module: 'dill._dill', operator: '_create_code', description: 'code' }],
            errors: [],
          },
          { allowed: { sha256: 'b'.repeat(64), reason: 'reviewed' } },
        ),
      ],
      skipped: [],
      errors: [],
      failOn: 'LOW',
      tally: { scanned: 1, skipped: 0, errored: 0, findings: 1, blocking: 1, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 1, CRITICAL: 0 } },
      version: '0.0.0',
      startedAt: new Date(),
    };
    const log = JSON.parse(renderSarif(report));
    expect(validateSarif(log)).toBe(true);
    const res = log.runs[0].results[0];
    expect(res.properties.commit).toBe('a'.repeat(40));
    expect(res.locations[0].physicalLocation.artifactLocation.uri).toBe('m/x.pkl');
    expect(res.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'reviewed' }]);
    expect(log.runs[0].originalUriBaseIds['%SRCROOT%'].uri).toBe('file:///repo/');
    const md = renderMarkdown(report);
    expect(md).toMatch(/HIGH \(allowed\)/);
    expect(md).not.toMatch(/Blocked/);
  });
});

describe('JUnit', () => {
  it('parses as XML: one test case per artifact, failure for findings, error for unscannable files, skipped for the rest', () => {
    const r = cli(['scan', '--format', 'junit', join(dir, 'models')]);
    expect(r.code).toBe(1);
    expect(XMLValidator.validate(r.stdout)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(r.stdout);
    const suite = doc.testsuites.testsuite;
    const cases = ([] as Record<string, unknown>[]).concat(suite.testcase);
    expect(cases.map((c) => c.name).sort()).toEqual(['broken.pkl', 'clean.pkl', 'readme.md', 'sub dir/evil <&>.pt']);
    const evil = cases.find((c) => c.name === 'sub dir/evil <&>.pt')!;
    expect((evil.failure as Record<string, string>).type).toBe('pickle/dangerous-global');
    expect((evil.failure as Record<string, string>)['#text']).toMatch(/posix\.system/);
    expect(cases.find((c) => c.name === 'broken.pkl')!.error).toBeDefined();
    expect(cases.find((c) => c.name === 'readme.md')!.skipped).toBeDefined();
    expect(cases.find((c) => c.name === 'clean.pkl')!.failure).toBeUndefined();
    expect(suite).toMatchObject({ tests: '4', failures: '1', errors: '1', skipped: '1' });
  });

  it('escapes markup and replaces characters XML cannot carry', () => {
    expect(xmlEscape(`a<b>&"c'\u0001\u0000`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;\uFFFD\uFFFD');
    const report = { inputs: ['x'], results: [], skipped: [], errors: [{ path: 'bad\u0007name<.pkl', scanner: 'fs', kind: 'io' as const, message: 'gone & "lost"' }], failOn: 'LOW' as const, tally: { scanned: 0, skipped: 0, errored: 1, findings: 0, blocking: 0, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } }, version: '0', startedAt: new Date() };
    const xml = renderJunit(report);
    expect(XMLValidator.validate(xml)).toBe(true);
  });
});

describe('Markdown', () => {
  it('has a verdict and a table row per finding, with file names escaped', () => {
    const r = cli(['scan', '--format', 'markdown', join(dir, 'models')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^## modelscan-guard/);
    expect(r.stdout).toMatch(/:x: \*\*Blocked\*\*: 1 finding at or above LOW/);
    expect(r.stdout).toMatch(/^\| severity \| file \| rule \| global \| use \| byte \| commit \|$/m);
    const row = r.stdout.split('\n').find((l) => l.startsWith('| CRITICAL'))!;
    expect(row).toContain('<code>sub dir/evil &lt;&amp;&gt;.pt</code>');
    expect(row).toContain('<code>posix.system</code>');
    expect(row.split(/(?<!\\)\|/).length).toBe(9); // 7 cells: nothing in a cell broke the table
    expect(r.stdout).toMatch(/### Not fully analysed[\s\S]*broken\.pkl/);
    expect(r.stdout).toMatch(/<details><summary>1 file not scanned/);
  });

  it('a clean run says so', () => {
    const clean = join(dir, 'only-clean');
    mkdirSync(clean);
    writeFileSync(join(clean, 'ok.pkl'), asm(op.proto(4), op.EMPTY_DICT, op.STOP));
    const r = cli(['scan', '--format', 'markdown', clean]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/:white_check_mark: No issues found in 1 scanned file\./);
    expect(r.stdout).not.toMatch(/\| severity/);
  });

  it('cells cannot break out of the table', () => {
    expect(mdCell('a|b\nc*d')).toBe('a\\|b c\\*d');
  });
});
