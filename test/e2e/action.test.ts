/**
 * action.yml: its structure (composite, SARIF upload, no `${{ }}` inside scripts) and its scan and verdict
 * scripts run for real with bash on a sandbox repository, with the files GitHub gives a step
 * ($GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY) as temporary files.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asm, callPickle, op } from '../helpers/pickle-asm.js';
import { BIN, GitSandbox } from '../helpers/git-sandbox.js';

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  if?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}
interface Action {
  runs: { using: string; steps: Step[] };
  inputs: Record<string, { default?: string }>;
}
// js-yaml comes with cosmiconfig; tests only read the action file with it.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(s: string): unknown };
const action = yaml.load(readFileSync(resolve('action.yml'), 'utf8')) as Action;

const sb = new GitSandbox('msg-action-');
afterAll(() => sb.cleanup());

let repo: string;
let base: string;
let head: string;
beforeAll(() => {
  repo = sb.initRepo('pr');
  base = sb.commit(repo, { 'README.md': 'r\n', 'ok.pkl': asm(op.proto(4), op.EMPTY_DICT, op.STOP) }, 'base');
  sb.git(repo, ['checkout', '-q', '-b', 'feature']);
  head = sb.commit(repo, { 'models/evil.bin': callPickle('posix', 'system') }, 'add a model');
});

function runStep(step: Step, env: Record<string, string>): { code: number | null; output: string; summary: string; stderr: string; stdout: string } {
  const out = sb.path(`out-${Math.random().toString(36).slice(2)}`);
  const summary = `${out}.md`;
  const r = spawnSync('bash', ['-e', '-o', 'pipefail', '-c', step.run!], { cwd: repo, encoding: 'utf8', env: { ...sb.env, GITHUB_OUTPUT: out, GITHUB_STEP_SUMMARY: summary, ...env } });
  const read = (p: string) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return '';
    }
  };
  return { code: r.status, output: read(out), summary: read(summary), stderr: r.stderr, stdout: r.stdout };
}

const step = (id: string) => action.runs.steps.find((s) => s.id === id || s.name === id)!;

describe('action.yml', () => {
  it('is a composite action that runs diff on the pull request range and uploads SARIF even when the scan fails', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.inputs.base!.default).toContain('github.event.pull_request.base.sha');
    expect(action.inputs.head!.default).toContain('github.event.pull_request.head.sha');
    expect(step('scan').run).toMatch(/diff "\$MSG_BASE\.\.\.\$MSG_HEAD"/);
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'))!;
    expect(upload.if).toMatch(/always\(\)/);
    expect(upload.with!.sarif_file).toBe('${{ inputs.sarif-file }}');
    // inputs reach scripts through env only: a crafted branch name or input cannot become shell code
    for (const s of action.runs.steps) if (s.run) expect(s.run).not.toContain('${{');
  });

  it('the scan step writes SARIF, a Markdown job summary and the exit code; the verdict step fails the job', () => {
    const env = { MSG_BIN: BIN, MSG_BASE: base, MSG_HEAD: head, MSG_HISTORY: 'false', MSG_FAIL_ON: '', MSG_CONFIG: '', MSG_SARIF: 'out.sarif' };
    const r = runStep(step('scan'), env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.output).toContain('exit-code=1');
    expect(r.output).toContain('sarif=yes');
    const sarif = JSON.parse(readFileSync(join(repo, 'out.sarif'), 'utf8'));
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('models/evil.bin');
    expect(r.summary).toMatch(/\| CRITICAL \| <code>models\/evil\.bin<\/code>/);
    expect(runStep(step('Verdict'), { MSG_CODE: '1' }).code).toBe(1);
    expect(runStep(step('Verdict'), { MSG_CODE: '0' }).code).toBe(0);
    expect(runStep(step('Verdict'), { MSG_CODE: '' }).code).toBe(2);
  });

  it('--fail-on from the input, and a missing range is an error rather than a pass', () => {
    const env = { MSG_BIN: BIN, MSG_BASE: base, MSG_HEAD: head, MSG_HISTORY: 'true', MSG_FAIL_ON: 'CRITICAL', MSG_CONFIG: '', MSG_SARIF: 'out2.sarif' };
    expect(runStep(step('scan'), env).output).toContain('exit-code=1');
    expect(runStep(step('scan'), { ...env, MSG_FAIL_ON: 'SEVERE' }).output).toContain('exit-code=4'); // the input reaches --fail-on
    const none = runStep(step('scan'), { ...env, MSG_BASE: '0000000000000000000000000000000000000000' });
    expect(none.output).toContain('exit-code=4');
    expect(none.stdout).toMatch(/::error title=modelscan-guard::no base\.\.\.head range/);
  });
});
