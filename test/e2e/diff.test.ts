/**
 * `modelscan-guard diff` on real history: range semantics, --history, shallow clones, LFS objects that are not
 * local after a clone (lfs.missing block / warn / fetch), JSON output.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asm, callPickle, op } from '../helpers/pickle-asm.js';
import { GitSandbox } from '../helpers/git-sandbox.js';

const EVIL = callPickle('posix', 'system', 'touch /tmp/modelscan-guard-e2e-pwned', 0);
const BENIGN = asm(op.proto(4), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.STOP);

const sb = new GitSandbox('msg-diff-');
afterAll(() => sb.cleanup());

let repo: string;
let base: string;
let added: string;
let removed: string;
beforeAll(() => {
  // main: base ─ m2 ; audit (from base): add evil.pkl, delete it, add ok.pt (LFS, benign), rename README
  repo = sb.initRepo('history', { lfs: ['*.pt'] });
  base = sb.commit(repo, { 'README.md': 'r\n' }, 'base');
  sb.git(repo, ['checkout', '-q', '-b', 'audit']);
  added = sb.commit(repo, { 'evil.pkl': EVIL }, 'add evil');
  sb.git(repo, ['rm', '-q', 'evil.pkl']);
  removed = sb.commit(repo, {}, 'remove evil');
  sb.commit(repo, { 'ok.pt': BENIGN }, 'add ok');
  sb.git(repo, ['mv', 'README.md', 'README.txt']);
  sb.commit(repo, {}, 'rename');
  sb.git(repo, ['checkout', '-q', 'main']);
  sb.commit(repo, { 'main-evil.pkl': EVIL }, 'main only');
});

describe('diff A..B', () => {
  it('A...B: what the branch added since it forked (the deleted model is gone from the end state)', () => {
    const r = sb.cli(repo, ['diff', 'main...audit']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // ok.pt, and README.txt: a rename is a new path for old content, scanned again (from cache when seen before)
    expect(r.stdout).toMatch(/passed \(2 blobs, 1 model file/);
    expect(r.stdout).not.toContain('evil');
  });

  it('A..B compares the two end trees: main has a file audit lacks, audit adds ok.pt', () => {
    const r = sb.cli(repo, ['diff', 'main..audit', '--no-cache']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/passed \(2 blobs, 1 model file/); // ok.pt and README.txt; main-evil.pkl is not in audit
    expect(r.stdout).not.toContain('main-evil');
  });

  it('--history finds the model added and deleted on the way, and names the commit', () => {
    const r = sb.cli(repo, ['diff', 'main...audit', '--history']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`CRITICAL\\s+evil\\.pkl \\(commit ${added.slice(0, 12)}, pickle\\): posix\\.system`));
    void removed;
  });

  it('names the introducing commit for end-state findings too', () => {
    const r = sb.cli(repo, ['diff', `${base}..main`]);
    expect(r.code).toBe(1);
    const mainHead = sb.git(repo, ['rev-parse', 'main']).stdout.trim();
    expect(r.stdout).toMatch(new RegExp(`main-evil\\.pkl \\(commit ${mainHead.slice(0, 12)}, pickle\\)`));
  });

  it('JSON output in modelscan’s schema', () => {
    const out = join(sb.root, 'report.json');
    const r = sb.cli(repo, ['diff', `${base}..main`, '--format', 'json', '--output', out]);
    expect(r.code).toBe(1);
    const json = JSON.parse(readFileSync(out, 'utf8')) as { issues: { operator: string; source: string }[] };
    expect(json.issues.some((i) => i.operator === 'system' && i.source.endsWith('main-evil.pkl'))).toBe(true);
  });

  it('a range with no commits is an error that says what to do', () => {
    const r = sb.cli(repo, ['diff', 'audit..audit']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/contains no commits.*order of the two ends/);
  });

  it('an unknown end is an error suggesting a fetch; a malformed range is a usage error', () => {
    const r = sb.cli(repo, ['diff', 'main..origin/nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not a commit in this repository: fetch it first/);
    expect(sb.cli(repo, ['diff', 'main']).code).toBe(2);
    expect(sb.cli(repo, ['diff']).code).toBe(4);
  });

  it('a range crossing a shallow clone boundary is an error asking for more history', () => {
    const shallow = sb.path('shallow');
    sb.git(sb.root, ['clone', '-q', '--depth', '1', '--branch', 'audit', '--no-local', `file://${repo}`, shallow]);
    sb.git(shallow, ['fetch', '-q', '--depth', '1', 'origin', `${base}:refs/heads/base`]);
    const r = sb.cli(shallow, ['diff', 'base..HEAD']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shallow clone.*fetch more history/);
  });
});

describe('LFS objects missing after a clone', () => {
  let server: string;
  let clone: string;
  let first: string;
  beforeAll(() => {
    server = sb.initBare('lfs-server.git');
    const src = sb.initRepo('lfs-src', { lfs: ['*.pt'] });
    sb.git(src, ['remote', 'add', 'origin', server]);
    first = sb.commit(src, { 'README.md': 'x\n' }, 'first');
    sb.commit(src, { 'models/evil.pt': EVIL }, 'model');
    sb.git(src, ['push', '-q', 'origin', 'main']); // git-lfs's own pre-push hook uploads the object
    clone = sb.path('lfs-clone');
    sb.git(sb.root, ['clone', '-q', server, clone], { env: { GIT_LFS_SKIP_SMUDGE: '1' } });
    sb.git(clone, ['lfs', 'install', '--local']);
  });

  it('block (default): exit 2 with the fetch command to run', () => {
    const r = sb.cli(clone, ['diff', `${first}..HEAD`, '--no-cache']);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/models\/evil\.pt.*not in the local store.*git lfs fetch/);
  });

  it('warn: reported, not blocking', () => {
    const config = sb.path('lfs-warn.json'); // a trusted file: diff ignores the working tree's config
    writeFileSync(config, JSON.stringify({ lfs: { missing: 'warn' } }));
    const r = sb.cli(clone, ['diff', `${first}..HEAD`, '--no-cache', '--config', config]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/WARNING\s+models\/evil\.pt/);
  });

  it('fetch: downloads exactly the missing object, then scans the real file', () => {
    const config = sb.path('lfs-fetch.json');
    writeFileSync(config, JSON.stringify({ lfs: { missing: 'fetch' } }));
    const r = sb.cli(clone, ['diff', `${first}..HEAD`, '--no-cache', '--config', config]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/CRITICAL\s+models\/evil\.pt \(commit [0-9a-f]{12}, LFS [0-9a-f]{12}, pickle\): posix\.system/);
  });
});

describe('the policy a range is judged by', () => {
  it("is the base's: a pull request cannot exclude, allow or configure away its own model, nor run a JS config", () => {
    const r = sb.initRepo('policy', { lfs: [] });
    sb.commit(r, { '.modelscan-guardrc.json': JSON.stringify({ failOn: 'LOW' }) }, 'base policy');
    sb.git(r, ['checkout', '-q', '-b', 'pr']);
    const evil = sb.commit(r, { 'models/evil.pkl': EVIL }, 'model');
    const sha = createHash('sha256').update(EVIL).digest('hex');
    const marker = sb.path('config-code-ran');
    sb.commit(
      r,
      {
        '.modelscan-guardrc.json': JSON.stringify({ exclude: ['models/**'], failOn: 'CRITICAL' }),
        '.modelscan-guard-allow.json': JSON.stringify({ allow: [{ sha256: sha, reason: 'self-approved' }] }),
        'modelscan-guard.config.cjs': `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x'); module.exports = { exclude: ['**'] };`,
        '.config/config.js': `require('fs').writeFileSync(${JSON.stringify(marker)}, 'meta'); module.exports = {};`,
      },
      'policy of its own',
    );
    const out = sb.cli(r, ['diff', 'main...pr', '--no-cache']);
    expect(out.code, out.stdout + out.stderr).toBe(1);
    expect(out.stdout).toMatch(new RegExp(`CRITICAL\\s+models/evil\\.pkl \\(commit ${evil.slice(0, 12)}`));
    expect(existsSync(marker)).toBe(false);
    // Once merged, the policy is the base's and applies: the allow entry now lets the file through.
    sb.git(r, ['checkout', '-q', 'main']);
    sb.git(r, ['merge', '-q', '--no-ff', '-m', 'merge', 'pr']);
    sb.git(r, ['rm', '-q', 'modelscan-guard.config.cjs', '.config/config.js', '.modelscan-guardrc.json']);
    sb.commit(r, {}, 'keep only the allow list');
    sb.git(r, ['checkout', '-q', '-b', 'copy']);
    sb.commit(r, { 'models/copy.pkl': EVIL }, 'same content again');
    expect(sb.cli(r, ['diff', 'main...copy', '--no-cache']).code).toBe(0);
  });
});
