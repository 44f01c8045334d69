/**
 * `scan --repo`: a repository with LFS models pushed to a bare repository, audited over file:// the way a remote
 * one is over https: a clone without LFS content, only the candidates' LFS objects fetched, verified and scanned,
 * the temporary clone removed. Also the report formats of the git modes (diff --format sarif/junit/markdown).
 */
import { chmodSync, existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteUrl } from '../../src/sources/remote.js';
import { asm, callPickle, op } from '../helpers/pickle-asm.js';
import { GitSandbox } from '../helpers/git-sandbox.js';

const EVIL = callPickle('posix', 'system', 'touch /tmp/modelscan-guard-e2e-pwned', 0);
const BENIGN = asm(op.proto(4), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.STOP);

const sb = new GitSandbox('msg-repo-');
afterAll(() => sb.cleanup());

let bare: string;
let url: string;
let cleanCommit: string;
let evilOid: string;
beforeAll(() => {
  const work = sb.initRepo('work', { lfs: ['*.pt', '*.bin'] });
  bare = sb.initBare('origin.git');
  url = `file://${bare}`;
  sb.git(work, ['remote', 'add', 'origin', url]);
  cleanCommit = sb.commit(work, { 'README.md': '# models\n', 'models/ok.pt': BENIGN }, 'clean');
  sb.git(work, ['tag', 'v1']);
  sb.commit(work, { 'models/evil.pt': EVIL, 'weights/big.bin': Buffer.alloc(4096, 7) }, 'add evil');
  sb.git(work, ['push', '-q', 'origin', 'main', 'v1']); // git-lfs's pre-push uploads the objects into origin.git/lfs
  evilOid = sb.git(work, ['lfs', 'ls-files', '--long']).stdout.split('\n').find((l) => l.includes('models/evil.pt'))!.split(' ')[0]!;
});

const clonesLeft = () => readdirSync(tmpdir()).filter((n) => n.startsWith('modelscan-guard-repo-'));

describe('scan --repo', () => {
  it('finds the malicious LFS model of the default branch, reports repository paths, and removes its clone', () => {
    const before = clonesLeft();
    const r = sb.cli(sb.root, ['scan', '--repo', url, '--format', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.issues.map((i: { source: string }) => i.source)).toEqual(['models/evil.pt']);
    expect(doc.issues[0]).toMatchObject({ module: 'posix', operator: 'system', sha256: evilOid });
    expect(doc.summary.scanned.scanned_files).toEqual(expect.arrayContaining(['models/ok.pt', 'models/evil.pt']));
    expect(doc.summary.input_path).toBe(url);
    expect(clonesLeft()).toEqual(before);
  });

  it('--ref scans a tag, a branch or a commit id', () => {
    expect(sb.cli(sb.root, ['scan', '--repo', url, '--ref', 'v1']).code).toBe(0);
    expect(sb.cli(sb.root, ['scan', '--repo', url, '--ref', 'main']).code).toBe(1);
    const byId = sb.cli(sb.root, ['scan', '--repo', url, '--ref', cleanCommit]);
    expect(byId.code, byId.stderr).toBe(0);
    const bad = sb.cli(sb.root, ['scan', '--repo', url, '--ref', 'no-such-ref']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/neither a branch, a tag nor a commit/);
  });

  it('fetches only candidates: an excluded file whose LFS object is gone costs nothing; included, it is an error', () => {
    const bigOid = sb.git(join(sb.root, 'work'), ['lfs', 'ls-files', '--long']).stdout.split('\n').find((l) => l.includes('weights/big.bin'))!.split(' ')[0]!;
    const stored = join(bare, 'lfs', 'objects', bigOid.slice(0, 2), bigOid.slice(2, 4), bigOid);
    expect(existsSync(stored)).toBe(true);
    const moved = `${stored}.away`;
    renameSync(stored, moved);
    try {
      const cfg = join(sb.root, 'exclude.json');
      writeFileSync(cfg, JSON.stringify({ exclude: ['weights/**'] }));
      const excluded = sb.cli(sb.root, ['scan', '--repo', url, '--config', cfg, '--format', 'json']);
      expect(excluded.code).toBe(1); // evil.pt, and no error for the missing object nobody asked for
      expect(JSON.parse(excluded.stdout).errors).toEqual([]);
      const included = sb.cli(sb.root, ['scan', '--repo', url, '--format', 'json', '--fail-on', 'CRITICAL']);
      const errors = JSON.parse(included.stdout).errors;
      expect(errors.map((e: { source: string }) => e.source)).toEqual(['weights/big.bin']);
      expect(errors[0].category).toBe('LFS_UNRESOLVED');
    } finally {
      renameSync(moved, stored);
    }
  });

  it('an LFS object whose content does not match its pointer is never scanned as clean', () => {
    const stored = join(bare, 'lfs', 'objects', evilOid.slice(0, 2), evilOid.slice(2, 4), evilOid);
    const original = readFileSync(stored);
    const forged = Buffer.from(BENIGN.toString('latin1').padEnd(original.length, 'x'), 'latin1').subarray(0, original.length);
    chmodSync(stored, 0o644);
    writeFileSync(stored, forged);
    try {
      const r = sb.cli(sb.root, ['scan', '--repo', url, '--format', 'json']);
      expect(r.code).toBe(2);
      const doc = JSON.parse(r.stdout);
      expect(doc.errors.map((e: { source: string }) => e.source)).toContain('models/evil.pt');
    } finally {
      writeFileSync(stored, original);
    }
  });

  it('a URL that cannot be cloned is an error (exit 2), not a clean result', () => {
    const r = sb.cli(sb.root, ['scan', '--repo', `file://${join(sb.root, 'nope.git')}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot clone/);
  });

  it('hf://ORG/NAME is the Hugging Face Hub git URL', () => {
    expect(remoteUrl('hf://openai-community/gpt2')).toBe('https://huggingface.co/openai-community/gpt2');
    expect(remoteUrl('hf://datasets/org/set')).toBe('https://huggingface.co/datasets/org/set');
    expect(() => remoteUrl('hf://a/b/c')).toThrow(/hf:\/\/ORG\/NAME/);
    expect(() => remoteUrl('hf://../x')).toThrow();
    expect(() => remoteUrl('--upload-pack=evil')).toThrow();
    expect(remoteUrl('https://example.invalid/r.git')).toBe('https://example.invalid/r.git');
  });

  it('takes no PATH, and --ref needs --repo', () => {
    expect(sb.cli(sb.root, ['scan', '--repo', url, 'x']).code).toBe(4);
    expect(sb.cli(sb.root, ['scan', '--ref', 'main', 'x']).code).toBe(4);
  });
});

describe('diff in the CI formats', () => {
  it('sarif, junit and markdown carry repository paths and the introducing commit', () => {
    const work = join(sb.root, 'work');
    const sarif = JSON.parse(sb.cli(work, ['diff', 'v1..main', '--format', 'sarif']).stdout);
    const res = sarif.runs[0].results[0];
    expect(res.locations[0].physicalLocation.artifactLocation.uri).toBe('models/evil.pt');
    expect(res.properties.commit).toMatch(/^[0-9a-f]{40}$/);
    const junit = sb.cli(work, ['diff', 'v1..main', '--format', 'junit']);
    expect(junit.code).toBe(1);
    expect(junit.stdout).toMatch(/<testcase classname="modelscan-guard.pickle" name="models\/evil.pt">/);
    const md = sb.cli(work, ['diff', 'v1..main', '--format', 'markdown']);
    expect(md.stdout).toMatch(/\| CRITICAL \| <code>models\/evil.pt<\/code>/);
  });

  it("diff and staged print their effective config with --print-config (diff: the range base's), diff takes --fail-on", () => {
    const r = sb.initRepo('print-config', { lfs: [] });
    const base = sb.commit(r, { '.modelscan-guardrc.json': JSON.stringify({ failOn: 'HIGH' }) }, 'policy');
    sb.commit(r, { 'README.md': 'x\n' }, 'more');
    writeFileSync(join(r, '.modelscan-guardrc.json'), JSON.stringify({ failOn: 'MEDIUM' })); // not committed
    const d = sb.cli(r, ['diff', 'HEAD~1..HEAD', '--print-config']);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain(`failOn = "HIGH"  # ${base.slice(0, 12)}:.modelscan-guardrc.json (the range's base)`);
    expect(d.stdout).toContain('lfs.missing = "block"  # default');
    expect(sb.cli(r, ['diff', 'HEAD~1..HEAD', '--print-config', '--fail-on', 'low']).stdout).toContain('failOn = "LOW"  # flag --fail-on');
    expect(sb.cli(r, ['diff', '--print-config']).code).toBe(4); // a range is needed to know the base
    expect(sb.cli(r, ['staged', '--print-config']).stdout).toContain('failOn = "MEDIUM"');
  });
});
