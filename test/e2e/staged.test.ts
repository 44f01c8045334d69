/**
 * `modelscan-guard staged` against real repositories: the index (not the working tree), LFS pointers resolved
 * to their objects, partial commits through a real pre-commit hook, allow entries, config and the cache.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asm, callPickle, op } from '../helpers/pickle-asm.js';
import { BIN, GitSandbox } from '../helpers/git-sandbox.js';
import { buildZip } from '../helpers/zip-build.js';

const EVIL = callPickle('posix', 'system', 'touch /tmp/modelscan-guard-e2e-pwned', 0);
const BENIGN = asm(op.proto(4), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.STOP);

const sb = new GitSandbox('msg-staged-');
afterAll(() => sb.cleanup());

let n = 0;
function repo(lfs: string[] = ['*.pt']): string {
  return sb.initRepo(`r${n++}`, { lfs });
}

function preCommitHook(dir: string): void {
  sb.hook(join(dir, '.git', 'hooks'), 'pre-commit', `#!/bin/sh\nexec "${process.execPath}" "${BIN}" staged\n`);
}

describe('staged: what is about to be committed', () => {
  it('blocks a malicious pickle whatever its name, naming file, call, severity and rule', () => {
    const r = repo();
    sb.write(r, 'docs/notes.txt', EVIL);
    sb.write(r, 'README.md', '# hello\n');
    sb.git(r, ['add', '-A']);
    const out = sb.cli(r, ['staged']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('BLOCKED');
    expect(out.stderr).toMatch(/CRITICAL\s+docs\/notes\.txt \(pickle\): posix\.system \(called\)\s+\[pickle\/dangerous-global\]/);
    expect(out.stderr).toContain('modelscan-guard allow');
    expect(out.stderr).not.toContain('README.md');
  });

  it('is silent and exits 0 when the staged models are clean', () => {
    const r = repo();
    sb.write(r, 'model.pkl', BENIGN);
    sb.git(r, ['add', '-A']);
    const out = sb.cli(r, ['staged']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toBe('');
    const verbose = sb.cli(r, ['staged', '-v']);
    expect(verbose.stderr).toMatch(/passed \(\d+ blobs?, 1 model file/);
  });

  it('with PATHs scans the index blobs of exactly those files, changed or not (pre-commit run --all-files)', () => {
    const r = repo();
    sb.commit(r, { 'sub dir/w.bin': EVIL, 'ok.pkl': BENIGN }, 'committed past the hook');
    expect(sb.cli(r, ['staged']).code).toBe(0); // nothing staged: nothing to judge
    const named = sb.cli(r, ['staged', '--', 'ok.pkl', 'sub dir/w.bin']);
    expect(named.code).toBe(1);
    expect(named.stderr).toContain('sub dir/w.bin');
    // Names are literal: `*.bin` is a file called so (there is none), not a glob reaching sub dir/w.bin.
    expect(sb.cli(r, ['staged', '--', '*.bin']).code).toBe(0);
    // A path that is not in the index (deleted, untracked) has nothing staged to scan.
    sb.write(r, 'untracked.bin', EVIL);
    expect(sb.cli(r, ['staged', '--', 'untracked.bin']).code).toBe(0);
  });

  it('scans the staged content, not the working tree (partial staging)', () => {
    const r = repo();
    sb.commit(r, { 'README.md': 'x\n' }, 'init');
    sb.write(r, 'model.pkl', EVIL);
    sb.git(r, ['add', 'model.pkl']);
    sb.write(r, 'model.pkl', BENIGN); // the working tree looks clean, the index is not
    expect(sb.cli(r, ['staged']).code).toBe(1);
    sb.git(r, ['add', 'model.pkl']);
    sb.write(r, 'model.pkl', EVIL); // now the reverse: malicious only in the working tree
    expect(sb.cli(r, ['staged']).code).toBe(0);
  });

  it('only looks at files that differ from HEAD', () => {
    const r = repo();
    sb.write(r, 'old.pkl', EVIL);
    sb.git(r, ['add', 'old.pkl']);
    sb.git(r, ['commit', '-q', '--no-verify', '-m', 'already there']);
    sb.write(r, 'new.txt', 'text\n');
    sb.git(r, ['add', 'new.txt']);
    const out = sb.cli(r, ['staged', '-v']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain('1 blob');
  });

  it('resolves LFS pointers to the real objects and reports the file under its path', () => {
    const r = repo(['*.pt']);
    sb.write(r, 'weights/evil.pt', EVIL);
    sb.write(r, 'weights/ok.pt', BENIGN);
    sb.git(r, ['add', '-A']);
    expect(sb.git(r, ['cat-file', '-p', ':weights/evil.pt']).stdout).toMatch(/^version https:\/\/git-lfs/);
    const out = sb.cli(r, ['staged']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/CRITICAL\s+weights\/evil\.pt \(LFS [0-9a-f]{12}, pickle\): posix\.system/);
    expect(out.stderr).not.toMatch(/ok\.pt/);
  });

  it('a pointer whose object is missing blocks by default, warns or blocks as configured', () => {
    const r = repo(['*.pt']);
    sb.write(r, 'big.pt', BENIGN);
    sb.git(r, ['add', '-A']);
    rmSync(join(r, '.git', 'lfs', 'objects'), { recursive: true, force: true });
    const block = sb.cli(r, ['staged', '--no-cache']);
    expect(block.code).toBe(2);
    expect(block.stderr).toMatch(/big\.pt.*not in the local store/);
    expect(block.stderr).toContain('git lfs fetch');
    writeFileSync(join(r, '.modelscan-guardrc.json'), JSON.stringify({ lfs: { missing: 'warn' } }));
    const warn = sb.cli(r, ['staged', '--no-cache']);
    expect(warn.code, warn.stderr).toBe(0);
    expect(warn.stderr).toMatch(/WARNING\s+big\.pt.*not in the local store/);
  });

  it('finds LFS objects from a linked worktree (shared store) and under lfs.storage', () => {
    const r = repo(['*.pt']);
    sb.commit(r, { 'README.md': 'r\n' }, 'base');
    const wt = sb.path(`wt${n}`);
    sb.git(r, ['worktree', 'add', '-q', wt]);
    sb.write(wt, 'evil.pt', EVIL);
    sb.git(wt, ['add', 'evil.pt']);
    const inWorktree = sb.cli(wt, ['staged']);
    expect(inWorktree.code, inWorktree.stderr).toBe(1);
    expect(inWorktree.stderr).toMatch(/evil\.pt \(LFS/);

    const moved = repo(['*.pt']);
    sb.git(moved, ['config', 'lfs.storage', sb.path(`elsewhere${n}`)]);
    sb.write(moved, 'evil.pt', EVIL);
    sb.git(moved, ['add', 'evil.pt']);
    expect(existsSync(join(moved, '.git', 'lfs', 'objects'))).toBe(false);
    const out = sb.cli(moved, ['staged']);
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).toMatch(/evil\.pt \(LFS/);
  });

  it('an object that does not match its pointer is an error, never scanned as if it were the file', () => {
    const r = repo(['*.pt']);
    sb.write(r, 'm.pt', BENIGN);
    sb.git(r, ['add', '-A']);
    const oid = /oid sha256:([0-9a-f]{64})/.exec(sb.git(r, ['cat-file', '-p', ':m.pt']).stdout)![1]!;
    writeFileSync(join(r, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid), Buffer.concat([BENIGN, Buffer.from('xx')]));
    const out = sb.cli(r, ['staged', '--no-cache']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/does not match its pointer/);
  });

  it('an allow entry for an LFS oid does not cover other bytes stored under that oid', () => {
    const r = repo(['*.pt']);
    const allowedContent = Buffer.alloc(EVIL.length + 64, 0x78); // plain text, the size the swap must keep
    sb.write(r, 'm.pt', allowedContent);
    sb.git(r, ['add', '-A']);
    const oid = /oid sha256:([0-9a-f]{64})/.exec(sb.git(r, ['cat-file', '-p', ':m.pt']).stdout)![1]!;
    sb.write(r, '.modelscan-guard-allow.json', JSON.stringify({ allow: [{ sha256: oid, reason: 'reviewed' }] }));
    // Same size, other bytes: the malicious pickle, padded.
    writeFileSync(join(r, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid), Buffer.concat([EVIL, Buffer.alloc(64, 0x20)]));
    const out = sb.cli(r, ['staged', '--no-cache']);
    expect(out.code, out.stderr).not.toBe(0);
    expect(out.stderr).toMatch(/the allow entry for that oid does not cover it/);
  });

  it('scans real content committed on a filter=lfs path (LFS bypassed)', () => {
    const r = repo([]);
    sb.write(r, 'raw.pt', EVIL);
    sb.git(r, ['add', 'raw.pt']); // staged before the path was tracked: the index holds the real bytes
    sb.write(r, '.gitattributes', '*.pt filter=lfs diff=lfs merge=lfs -text\n');
    sb.git(r, ['add', '.gitattributes']);
    expect(sb.git(r, ['check-attr', 'filter', '--', 'raw.pt']).stdout).toContain('filter: lfs');
    expect(sb.git(r, ['cat-file', '-p', ':raw.pt']).stdout).not.toMatch(/^version/);
    expect(sb.cli(r, ['staged']).code).toBe(1);
  });

  it('a pointer git-lfs smudges is one however it is spaced or padded (leading newline, CRLF, padding past 1024 bytes or 32 MiB)', () => {
    const r = repo(['*.pt']);
    sb.write(r, 'evil.pt', EVIL);
    sb.git(r, ['add', 'evil.pt']);
    const pointer = sb.git(r, ['cat-file', '-p', ':evil.pt']).stdout;
    sb.git(r, ['rm', '-q', '--cached', 'evil.pt']); // its object stays in the local LFS store
    rmSync(join(r, 'evil.pt'));
    const variants: Record<string, Buffer> = {
      'leading-newline.pt': Buffer.from(`\n${pointer}`),
      'crlf.pt': Buffer.from(pointer.replace(/\n/g, '\r\n')),
      'padded.pt': Buffer.concat([Buffer.from(pointer), Buffer.alloc(1024 - pointer.length, 0x0a), Buffer.from('junk after the first 1024 bytes')]),
      'huge.pt': Buffer.concat([Buffer.from(pointer), Buffer.alloc((32 << 20) + 10, 0x20)]),
    };
    for (const [name, bytes] of Object.entries(variants)) {
      sb.stageRaw(r, name, bytes);
      // git-lfs itself takes it for the pointer: smudging it gives the malicious object back.
      if (name !== 'huge.pt') expect(sb.git(r, ['lfs', 'smudge', '--', name], { input: bytes }).stdout, name).toBe(EVIL.toString('utf8'));
    }
    const out = sb.cli(r, ['staged']);
    expect(out.code, out.stderr).toBe(1);
    for (const name of Object.keys(variants)) expect(out.stderr).toMatch(new RegExp(`CRITICAL\\s+${name.replace('.', '\\.')} \\(LFS`));
  });

  it('a pointer followed by more data is scanned both ways: the object git-lfs checks out, and the whole blob', () => {
    const r = repo(['*.pt']);
    sb.write(r, 'ok.pt', BENIGN);
    sb.git(r, ['add', 'ok.pt']);
    const pointer = sb.git(r, ['cat-file', '-p', ':ok.pt']).stdout;
    // Padding to byte 1024, then a zip holding the malicious pickle: what zipfile (a .keras loader) reads.
    const blob = Buffer.concat([Buffer.from(pointer), Buffer.alloc(1024 - pointer.length, 0x0a), buildZip([{ name: 'evil.pkl', data: EVIL, method: 8 }])]);
    sb.stageRaw(r, 'model.keras', blob);
    for (const run of [1, 2]) {
      // Twice: the second run's cached verdicts must keep both readings.
      const out = sb.cli(r, ['staged']);
      expect(out.code, `run ${run}: ${out.stderr}`).toBe(1);
      expect(out.stderr).toMatch(/CRITICAL\s+model\.keras/);
    }
  });

  it('a file git re-encodes on checkout (working-tree-encoding) is not taken for the text its blob holds', () => {
    // UTF-8 text that IBM037 (EBCDIC) turns into other bytes on checkout: an LFS pointer or a pickle can appear.
    const r = repo([]);
    sb.write(r, 'notes.txt', 'caf\u00e9 \u00d3\u00c9\n');
    sb.git(r, ['add', '-A']);
    expect(sb.cli(r, ['staged']).code).toBe(0); // the twin: no attribute, plain text
    sb.write(r, '.gitattributes', 'notes.txt working-tree-encoding=IBM037\n');
    sb.git(r, ['add', '.gitattributes']);
    for (const run of [1, 2]) {
      const out = sb.cli(r, ['staged']);
      expect(out.code, `run ${run}: ${out.stderr}`).toBe(2);
      expect(out.stderr).toMatch(/notes\.txt is checked out re-encoded \(working-tree-encoding=IBM037\)/);
    }
  });

  it('a pointer with an extension line is also scanned as the blob it is (git-lfs may check it out raw)', () => {
    const r = repo(['*.pt']);
    sb.write(r, 'ok.pt', BENIGN);
    sb.git(r, ['add', 'ok.pt']);
    const [version, ...rest] = sb.git(r, ['cat-file', '-p', ':ok.pt']).stdout.split('\n');
    const ext = `ext-0-x sha256:${'0'.repeat(64)}`;
    sb.stageRaw(r, 'model.pt', [version, ext, ...rest].join('\n'));
    for (const run of [1, 2]) {
      const out = sb.cli(r, ['staged']);
      expect(out.code, `run ${run}: ${out.stderr}`).toBe(2);
      expect(out.stderr).toMatch(/more than a plain LFS pointer .*1 extension line/);
    }
  });

  it('a .gitattributes that sets working-tree-encoding is reported: files already committed check out re-encoded', () => {
    const r = repo([]);
    sb.commit(r, { 'model.pt': 'caf\u00e9\n' }, 'text');
    sb.write(r, '.gitattributes', '*.PT working-tree-encoding=IBM037\n');
    sb.git(r, ['add', '.gitattributes']);
    for (const run of [1, 2]) {
      const out = sb.cli(r, ['staged']);
      expect(out.code, `run ${run}: ${out.stderr}`).toBe(2);
      expect(out.stderr).toMatch(/\.gitattributes.*sets working-tree-encoding/);
    }
    // Upper case: what git reads as the attributes file on a case-insensitive disk (macOS, Windows).
    sb.git(r, ['rm', '-q', '--cached', '.gitattributes']);
    rmSync(join(r, '.gitattributes'));
    sb.write(r, '.GITATTRIBUTES', '*.pt working-tree-encoding=IBM037\n');
    sb.git(r, ['add', '.GITATTRIBUTES']);
    const upper = sb.cli(r, ['staged']);
    expect(upper.code, upper.stderr).toBe(2);
    expect(upper.stderr).toMatch(/\.GITATTRIBUTES.*sets working-tree-encoding/);
  });

  it('a .gitattributes using a macro that another one defines with working-tree-encoding is reported too', () => {
    const r = repo([]);
    sb.commit(r, { '.gitattributes': '[attr]enc working-tree-encoding=IBM037\n', 'sub/model.pt': 'caf\u00e9\n' }, 'macro');
    sb.write(r, 'sub/.gitattributes', '*.pt enc\n');
    sb.git(r, ['add', 'sub/.gitattributes']);
    const out = sb.cli(r, ['staged']);
    expect(out.code, out.stderr).toBe(2);
    expect(out.stderr).toMatch(/sub\/\.gitattributes.*sits beside attributes that do/);
    // Twin: the same file in a repository where no attributes name the encoding passes.
    const plain = repo([]);
    sb.commit(plain, { '.gitattributes': '*.md text\n' }, 'attrs');
    sb.write(plain, 'sub/.gitattributes', '*.pt -text\n');
    sb.git(plain, ['add', 'sub/.gitattributes']);
    expect(sb.cli(plain, ['staged']).code).toBe(0);
  });

  it('an invalid pointer is reported, not trusted', () => {
    const r = repo([]);
    sb.write(r, 'fake.pt', 'version https://git-lfs.github.com/spec/v1\nsize 12\noid sha256:abc\n');
    sb.git(r, ['add', '-A']);
    const out = sb.cli(r, ['staged']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/not a valid one/);
  });

  it('file names from the pre-commit framework select those files only', () => {
    const r = repo();
    sb.write(r, 'a.pkl', EVIL);
    sb.write(r, 'b.pkl', BENIGN);
    sb.git(r, ['add', '-A']);
    expect(sb.cli(r, ['staged', 'b.pkl']).code).toBe(0);
    expect(sb.cli(r, ['staged', '--', 'a.pkl', 'b.pkl']).code).toBe(1);
    // at the framework's push stage this hook leaves the work to the pre-push one
    expect(sb.cli(r, ['staged', 'a.pkl'], { env: { PRE_COMMIT: '1', PRE_COMMIT_REMOTE_NAME: 'origin' } }).code).toBe(0);
  });

  it('include/exclude globs decide what is scanned', () => {
    const r = repo();
    sb.write(r, 'vendor/evil.pkl', EVIL);
    sb.write(r, '.modelscan-guardrc.json', JSON.stringify({ exclude: ['vendor/**'] }));
    sb.git(r, ['add', '-A']);
    expect(sb.cli(r, ['staged']).code).toBe(0);
    sb.write(r, '.modelscan-guardrc.json', JSON.stringify({ include: ['*.pkl'] }));
    expect(sb.cli(r, ['staged']).code).toBe(1);
  });

  it('a copy of an excluded file at a path that is not excluded is scanned, under that path', () => {
    const r = repo();
    sb.write(r, 'docs/a.pkl', EVIL); // the same blob twice: scanned once
    sb.write(r, 'models/z.pkl', EVIL);
    sb.write(r, '.modelscan-guardrc.json', JSON.stringify({ exclude: ['docs/**'] }));
    sb.git(r, ['add', '-A']);
    const out = sb.cli(r, ['staged']);
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).toMatch(/CRITICAL\s+models\/z\.pkl/);
    // The pre-commit framework passes file names: the same holds.
    expect(sb.cli(r, ['staged', 'docs/a.pkl', 'models/z.pkl']).code).toBe(1);
  });

  it('config in package.json is found; an invalid config names the key and exits 4', () => {
    const r = repo();
    sb.write(r, 'm.pkl', asm(op.proto(4), op.global('mypkg.layers', 'Block'), op.EMPTY_TUPLE, op.REDUCE, op.STOP));
    sb.git(r, ['add', '-A']);
    expect(sb.cli(r, ['staged']).code).toBe(1); // unknown global: MEDIUM
    writeFileSync(join(r, 'package.json'), JSON.stringify({ name: 'x', 'modelscan-guard': { failOn: 'HIGH' } }));
    expect(sb.cli(r, ['staged']).code).toBe(0);
    writeFileSync(join(r, 'package.json'), JSON.stringify({ name: 'x', 'modelscan-guard': { lfs: { missing: 'sometimes' } } }));
    const bad = sb.cli(r, ['staged']);
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/lfs\.missing: expected one of block, warn, fetch, got "sometimes"/);
  });

  it('allow: keyed by content, survives a rename, reported as allowed; other content still blocks', () => {
    const r = repo();
    sb.write(r, 'legacy.pkl', EVIL);
    sb.git(r, ['add', '-A']);
    expect(sb.cli(r, ['allow', 'legacy.pkl']).code).toBe(4); // a reason is required
    const allowed = sb.cli(r, ['allow', 'legacy.pkl', '--reason', 'reviewed by security, ticket 42']);
    expect(allowed.code, allowed.stderr).toBe(0);
    const entry = JSON.parse(readFileSync(join(r, '.modelscan-guard-allow.json'), 'utf8')) as { allow: { sha256: string; reason: string; path: string }[] };
    expect(entry.allow).toHaveLength(1);
    expect(entry.allow[0]!.path).toBe('legacy.pkl');
    const pass = sb.cli(r, ['staged']);
    expect(pass.code, pass.stderr).toBe(0);
    expect(pass.stderr).toMatch(/ALLOWED\s+legacy\.pkl.*reviewed by security, ticket 42/);
    sb.git(r, ['mv', 'legacy.pkl', 'renamed.bin']);
    expect(sb.cli(r, ['staged']).code).toBe(0);
    sb.write(r, 'other.pkl', callPickle('posix', 'system', 'echo other', 0));
    sb.git(r, ['add', 'other.pkl']);
    const other = sb.cli(r, ['staged']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/other\.pkl/);
  });

  it('caches verdicts by content: a second run reads nothing', () => {
    const r = repo();
    sb.write(r, 'm.pkl', BENIGN);
    sb.git(r, ['add', '-A']);
    const first = sb.cli(r, ['staged', '-v']);
    expect(first.stderr).not.toContain('from cache');
    const second = sb.cli(r, ['staged', '-v']);
    // every verdict comes from the cache: the model's, and that .gitattributes is no model
    expect(second.stderr).toMatch(/passed \(2 blobs, 1 model file, 0 B read, 2 verdicts from cache/);
    expect(existsSync(join(r, '.git', 'modelscan-guard', 'cache'))).toBe(true);
    expect(sb.cli(r, ['staged', '-v', '--no-cache']).stderr).not.toContain('from cache');
  });

  it('runs outside a repository with a clear message', () => {
    const out = sb.cli(sb.home, ['staged']);
    expect(out.code).toBe(4);
    expect(out.stderr).toMatch(/not inside a git repository/);
  });
});

describe('staged as a real pre-commit hook', () => {
  it('blocks `git commit`, `git commit -a` and a partial `git commit <path>` (temporary index)', () => {
    const r = repo();
    preCommitHook(r);
    sb.write(r, 'a.txt', 'one\n');
    sb.git(r, ['add', 'a.txt']);
    sb.git(r, ['commit', '-q', '-m', 'clean']);

    sb.write(r, 'evil.pkl', EVIL);
    sb.git(r, ['add', 'evil.pkl']);
    const blocked = sb.git(r, ['commit', '-q', '-m', 'evil'], { allowFail: true });
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain('evil.pkl');
    sb.git(r, ['rm', '-q', '--cached', 'evil.pkl']);

    sb.write(r, 'a.txt', EVIL); // tracked file turned into a pickle, committed with -a
    const all = sb.git(r, ['commit', '-q', '-a', '-m', 'all'], { allowFail: true });
    expect(all.code).not.toBe(0);
    expect(all.stderr).toContain('a.txt');

    // partial commit of a clean file while a malicious one is staged: git uses a temporary index holding
    // only HEAD + the named path, so the commit is clean and must pass
    sb.write(r, 'a.txt', 'two\n');
    sb.write(r, 'staged-evil.pkl', EVIL);
    sb.git(r, ['add', 'staged-evil.pkl']);
    const partial = sb.git(r, ['commit', '-q', '-m', 'partial', 'a.txt'], { allowFail: true });
    expect(partial.code, partial.stderr).toBe(0);
    expect(sb.git(r, ['show', '--name-only', '--format=', 'HEAD']).stdout.trim()).toBe('a.txt');
    // ... and the staged malicious file still blocks the next full commit
    expect(sb.git(r, ['commit', '-q', '-m', 'rest'], { allowFail: true }).code).not.toBe(0);
  });

  it('never modifies the index or the working tree', () => {
    const r = repo(['*.pt']);
    preCommitHook(r);
    sb.write(r, 'evil.pt', EVIL);
    sb.write(r, 'w.txt', 'unstaged\n');
    sb.git(r, ['add', 'evil.pt']);
    const before = sb.git(r, ['status', '--porcelain=v2']).stdout + sb.git(r, ['ls-files', '-s']).stdout;
    sb.git(r, ['commit', '-q', '-m', 'x'], { allowFail: true });
    const after = sb.git(r, ['status', '--porcelain=v2']).stdout + sb.git(r, ['ls-files', '-s']).stdout;
    expect(after).toBe(before);
    expect(readFileSync(join(r, 'w.txt'), 'utf8')).toBe('unstaged\n');
  });
});
