/**
 * `modelscan-guard pre-receive` in a real bare repository's pre-receive hook, with clients pushing over file://
 * with LFS: quarantine, server-side LFS stores, trusted policy only, push-option overrides with an audit log,
 * concurrent pushes.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asm, callPickle, op } from '../helpers/pickle-asm.js';
import { BIN, GitSandbox } from '../helpers/git-sandbox.js';

const EVIL = callPickle('posix', 'system', 'touch /tmp/modelscan-guard-e2e-pwned', 0);
const BENIGN = asm(op.proto(4), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.STOP);

const sb = new GitSandbox('msg-receive-');
afterAll(() => sb.cleanup());

let n = 0;
function setup(serverConfig?: object, extraArgs: string[] = []): { client: string; server: string; config: string } {
  const id = n++;
  const server = sb.initBare(`server${id}.git`);
  sb.git(server, ['config', 'receive.advertisePushOptions', 'true']);
  const config = sb.path(`server${id}-policy.json`);
  writeFileSync(config, JSON.stringify(serverConfig ?? {}));
  const args = ['--config', config, ...extraArgs].map((a) => `"${a}"`).join(' ');
  sb.hook(join(server, 'hooks'), 'pre-receive', `#!/bin/sh\nexec "${process.execPath}" "${BIN}" pre-receive ${args}\n`);
  const client = sb.initRepo(`client${id}`, { lfs: ['*.pt'] });
  sb.git(client, ['remote', 'add', 'origin', `file://${server}`]);
  return { client, server, config };
}

const push = (client: string, args: string[], env?: NodeJS.ProcessEnv) => sb.git(client, ['push', ...args], { allowFail: true, ...(env ? { env } : {}) });
const remoteLines = (r: { stderr: string }) => r.stderr.split('\n').map((l) => l.trimEnd());
const serverRef = (server: string, ref: string) => sb.git(server, ['rev-parse', '--verify', '--quiet', ref], { allowFail: true }).stdout.trim();
const sha256Of = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('pre-receive in a bare repository', () => {
  it('accepts a benign LFS model (the object is on the server before the hook runs)', () => {
    const { client, server } = setup();
    sb.commit(client, { 'model.pt': BENIGN, 'README.md': 'r\n' }, 'benign');
    const r = push(client, ['-q', 'origin', 'main']);
    expect(r.code, r.stderr).toBe(0);
    expect(serverRef(server, 'main')).toBe(sb.git(client, ['rev-parse', 'HEAD']).stdout.trim());
  });

  it('rejects a malicious model with a readable remote message; the server is unchanged', () => {
    const { client, server } = setup();
    sb.commit(client, { 'README.md': 'r\n' }, 'base');
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
    const before = serverRef(server, 'main');
    const commit = sb.commit(client, { 'weights/evil.pt': EVIL }, 'evil');
    const r = push(client, ['origin', 'main']);
    expect(r.code).not.toBe(0);
    const lines = remoteLines(r);
    expect(lines.some((l) => /^remote: modelscan-guard: BLOCKED/.test(l))).toBe(true);
    expect(lines.some((l) => new RegExp(`^remote:\\s+CRITICAL\\s+weights/evil\\.pt \\(commit ${commit.slice(0, 12)}, LFS [0-9a-f]{12}, pickle\\): posix\\.system`).test(l))).toBe(true);
    expect(r.stderr).toContain('pre-receive hook declined');
    expect(serverRef(server, 'main')).toBe(before);
  });

  it('finds a malicious model hidden in an intermediate commit', () => {
    const { client } = setup();
    sb.commit(client, { 'hidden.pkl': EVIL }, 'add');
    sb.git(client, ['rm', '-q', 'hidden.pkl']);
    sb.commit(client, { 'README.md': 'clean now\n' }, 'remove');
    const r = push(client, ['origin', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('hidden.pkl');
  });

  it('an excluded copy in one commit does not hide the same content added elsewhere by the next', () => {
    const { client } = setup({ exclude: ['third_party/**'] });
    sb.commit(client, { 'third_party/ref.pkl': EVIL }, 'vendored');
    sb.commit(client, { 'models/model.pkl': EVIL }, 'copied');
    const r = push(client, ['origin', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/CRITICAL\s+models\/model\.pkl/);
  });

  it("does not trust history that only the platform's own refs reach (refs/merge-requests/*: written without hooks)", () => {
    const { client, server } = setup();
    sb.commit(client, { 'README.md': 'r\n' }, 'base');
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
    sb.git(client, ['checkout', '-q', '-b', 'feat']);
    sb.commit(client, { 'models/evil.pkl': EVIL }, 'evil');
    // GitLab copies a fork's merge request branch into a ref of its own; no pre-receive hook runs for that.
    sb.git(server, ['fetch', '-q', client, 'feat:refs/merge-requests/1/head']);
    sb.git(client, ['checkout', '-q', 'main']);
    sb.git(client, ['merge', '-q', '--no-ff', '-m', 'merge', 'feat']);
    const r = push(client, ['origin', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/CRITICAL\s+models\/evil\.pkl/);
  });

  it('a file the pushed attributes re-encode on checkout (working-tree-encoding) is refused, read from a bare repository', () => {
    const { client } = setup();
    // An upper-case pattern: clones on macOS and Windows match it case-insensitively.
    sb.commit(client, { '.gitattributes': 'NOTES.TXT working-tree-encoding=IBM037\n' }, 'attributes');
    sb.stageRaw(client, 'notes.txt', 'caf\u00e9 \u00d3\u00c9\n');
    sb.git(client, ['commit', '-q', '-m', 'notes']);
    const r = push(client, ['origin', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/notes\.txt is checked out re-encoded \(working-tree-encoding=IBM037\)/);
  });

  it('covers merges and force pushes', () => {
    const { client, server } = setup();
    sb.commit(client, { 'README.md': 'r\n' }, 'base');
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
    sb.git(client, ['checkout', '-q', '-b', 'side']);
    sb.commit(client, { 'side.pkl': EVIL }, 'side');
    sb.git(client, ['checkout', '-q', 'main']);
    sb.commit(client, { 'main.txt': 'm\n' }, 'main');
    sb.git(client, ['merge', '-q', '--no-edit', 'side']);
    const merged = push(client, ['origin', 'main']);
    expect(merged.code).not.toBe(0);
    expect(merged.stderr).toContain('side.pkl');
    sb.git(client, ['reset', '-q', '--hard', 'HEAD~1']); // drop the merge
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
    sb.write(client, 'amended.pkl', EVIL);
    sb.git(client, ['add', 'amended.pkl']);
    sb.git(client, ['commit', '-q', '--amend', '-m', 'main, amended']);
    const forced = push(client, ['-f', 'origin', 'main']);
    expect(forced.code).not.toBe(0);
    expect(forced.stderr).toContain('amended.pkl');
    expect(serverRef(server, 'main')).not.toBe(sb.git(client, ['rev-parse', 'HEAD']).stdout.trim());
  });

  it('an LFS object missing from the server store blocks, naming oid and path', () => {
    const { client } = setup();
    sb.commit(client, { 'm.pt': BENIGN }, 'model');
    const r = push(client, ['--no-verify', 'origin', 'main']); // skips git-lfs's upload
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/m\.pt.*the LFS object [0-9a-f]{64} \(\d+ bytes\) is not in the server's LFS store/);
  });

  it('reads a shared store in GitLab/Gitea layout (aa/bb/<oid without its first 4>)', () => {
    const shared = sb.path('gitlab-lfs-objects');
    const { client } = setup({}, ['--lfs-store', shared, '--lfs-layout', 'gitlab']);
    sb.commit(client, { 'm.pt': BENIGN }, 'model');
    const oid = /oid sha256:([0-9a-f]{64})/.exec(sb.git(client, ['cat-file', '-p', 'HEAD:m.pt']).stdout)![1]!;
    const rejected = push(client, ['--no-verify', 'origin', 'main']);
    expect(rejected.code).not.toBe(0);
    mkdirSync(join(shared, oid.slice(0, 2), oid.slice(2, 4)), { recursive: true });
    copyFileSync(join(client, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid), join(shared, oid.slice(0, 2), oid.slice(2, 4), oid.slice(4)));
    const accepted = push(client, ['--no-verify', 'origin', 'main']);
    expect(accepted.code, accepted.stderr).toBe(0);
  });

  it('ignores configuration and allow lists in the pushed tree', () => {
    const { client } = setup();
    const sha = sha256Of(EVIL);
    sb.commit(
      client,
      {
        '.modelscan-guardrc.json': JSON.stringify({ failOn: 'CRITICAL', exclude: ['**'], allow: [{ sha256: sha, reason: 'self-approved' }] }),
        '.modelscan-guard-allow.json': JSON.stringify({ allow: [{ sha256: sha, reason: 'self-approved' }] }),
        'package.json': JSON.stringify({ name: 'x', 'modelscan-guard': { exclude: ['**'] } }),
        'evil.pkl': EVIL,
      },
      'self-approval',
    );
    const r = push(client, ['origin', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('evil.pkl');
  });

  it('deletions, tags of known commits and SHA-256 zero oids pass without scanning', () => {
    const { client, server, config } = setup();
    sb.commit(client, { 'README.md': 'r\n' }, 'base');
    sb.git(client, ['tag', '-a', '-m', 'v1', 'v1']);
    expect(push(client, ['-q', 'origin', 'main', 'v1']).code).toBe(0);
    sb.git(client, ['branch', 'tmp']);
    expect(push(client, ['-q', 'origin', 'tmp']).code).toBe(0);
    expect(push(client, ['-q', 'origin', '--delete', 'tmp']).code).toBe(0);
    expect(serverRef(server, 'tmp')).toBe('');
    const direct = sb.cli(server, ['pre-receive', '--config', config], { input: `${'0'.repeat(64)} ${'0'.repeat(64)} refs/heads/x\n` });
    expect(direct.code, direct.stderr).toBe(0);
  });

  it('works in a SHA-256 repository', () => {
    const server = sb.path('sha256-server.git');
    sb.git(sb.root, ['init', '-q', '--bare', '--object-format=sha256', server]);
    sb.hook(join(server, 'hooks'), 'pre-receive', `#!/bin/sh\nexec "${process.execPath}" "${BIN}" pre-receive\n`);
    const client = sb.path('sha256-client');
    sb.git(sb.root, ['init', '-q', '--object-format=sha256', client]);
    sb.git(client, ['remote', 'add', 'origin', `file://${server}`]);
    sb.commit(client, { 'README.md': 'r\n' }, 'base');
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
    const commit = sb.commit(client, { 'e.pkl': EVIL }, 'e');
    expect(commit).toHaveLength(64);
    const r = push(client, ['origin', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`e\\.pkl \\(commit ${commit.slice(0, 12)}, pickle\\)`));
    sb.git(client, ['reset', '-q', '--hard', 'HEAD~1']);
    sb.git(client, ['branch', 'gone']);
    expect(push(client, ['-q', 'origin', 'gone']).code).toBe(0);
    expect(push(client, ['-q', 'origin', '--delete', 'gone']).code).toBe(0);
  });

  it('budgets: fail closed by default, fail open when configured; cache-only scans nothing new', () => {
    const closed = setup({}, ['--size-budget', '1']);
    sb.commit(closed.client, { 'a.pkl': BENIGN, 'b.pkl': BENIGN.subarray(0) }, 'two models');
    sb.commit(closed.client, { 'c.pkl': Buffer.concat([BENIGN.subarray(0, BENIGN.length - 1), Buffer.from([0x30, 0x2e])]) }, 'third');
    const r1 = push(closed.client, ['origin', 'main']);
    expect(r1.code).not.toBe(0);
    expect(r1.stderr).toMatch(/not scanned: the size budget of 1 bytes for this push ran out/);

    const open = setup({ server: { budget: { bytes: 1, onExceed: 'allow' } } });
    sb.commit(open.client, { 'a.pkl': BENIGN, 'c.pkl': Buffer.concat([BENIGN.subarray(0, BENIGN.length - 1), Buffer.from([0x30, 0x2e])]) }, 'models');
    const r2 = push(open.client, ['origin', 'main']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(/WARNING.*size budget/);

    const cacheOnly = setup({}, ['--cache-only']);
    sb.commit(cacheOnly.client, { 'a.pkl': BENIGN }, 'model');
    const r3 = push(cacheOnly.client, ['origin', 'main']);
    expect(r3.code).not.toBe(0);
    expect(r3.stderr).toMatch(/cache-only mode/);
  });

  it('an invalid server policy refuses the push rather than opening the gate', () => {
    const { client, config } = setup();
    writeFileSync(config, JSON.stringify({ failOn: 'NEVER' }));
    sb.commit(client, { 'README.md': 'r\n' }, 'base');
    const r = push(client, ['origin', 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/server's policy is invalid.*failOn/);
  });

  it('GitLab: messages carry GL-HOOK-ERR: so the UI shows them', () => {
    const { client } = setup();
    sb.commit(client, { 'e.pkl': EVIL }, 'e');
    // over local transports the pusher's environment reaches the hook (git-recipes 3.1): stand in for GitLab's GL_ID
    const r = push(client, ['origin', 'main'], { GL_ID: 'user-1' });
    expect(r.code).not.toBe(0);
    expect(remoteLines(r).some((l) => /^remote: GL-HOOK-ERR: modelscan-guard: BLOCKED/.test(l))).toBe(true);
  });
});

describe('push-option overrides', () => {
  it('refused when the server does not enable them; granted with a reason and recorded in the audit log', () => {
    const audit = sb.path('audit', 'overrides.jsonl');
    const { client, config } = setup({});
    sb.commit(client, { 'legacy.pkl': EVIL }, 'legacy');
    const sha = sha256Of(EVIL);
    const disabled = push(client, ['-o', `modelscan-guard.allow=${sha}`, '-o', 'modelscan-guard.reason=reviewed', 'origin', 'main']);
    expect(disabled.code).not.toBe(0);
    expect(disabled.stderr).toMatch(/override not granted: overrides are not enabled/);

    writeFileSync(config, JSON.stringify({ server: { overrides: { enabled: true, users: ['alice'] }, auditLog: audit } }));
    const noReason = push(client, ['-o', `modelscan-guard.allow=${sha}`, 'origin', 'main'], { GITEA_PUSHER_NAME: 'alice' });
    expect(noReason.code).not.toBe(0);
    expect(noReason.stderr).toMatch(/needs a reason/);
    const wrongUser = push(client, ['-o', `modelscan-guard.allow=${sha}`, '-o', 'modelscan-guard.reason=reviewed', 'origin', 'main'], { GITEA_PUSHER_NAME: 'mallory' });
    expect(wrongUser.code).not.toBe(0);
    expect(wrongUser.stderr).toMatch(/user "mallory" may not override/);

    const granted = push(client, ['-o', `modelscan-guard.allow=${sha}`, '-o', 'modelscan-guard.reason=reviewed in SEC-42', 'origin', 'main'], { GITEA_PUSHER_NAME: 'alice' });
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stderr).toMatch(/override recorded in the audit log for legacy\.pkl/);
    const lines = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ user: 'alice', paths: ['legacy.pkl'], sha256: sha, reason: 'reviewed in SEC-42' });
    expect((lines[0]!.refs as { ref: string }[])[0]!.ref).toBe('refs/heads/main');
  });

  it('changes nothing unless it covers every blocked file and leaves its trace', () => {
    const { client, config } = setup({ server: { overrides: { enabled: true } } });
    const other = callPickle('posix', 'system', 'echo other', 0);
    sb.commit(client, { 'one.pkl': EVIL, 'two.pkl': other }, 'two bad files');
    const opts = (sha: string) => ['-o', `modelscan-guard.allow=${sha}`, '-o', 'modelscan-guard.reason=ok'];
    const noLog = push(client, [...opts(sha256Of(EVIL)), '-o', `modelscan-guard.allow=${sha256Of(other)}`, 'origin', 'main']);
    expect(noLog.code).not.toBe(0);
    expect(noLog.stderr).toMatch(/override refused: the server has no audit log/);
    expect(noLog.stderr).not.toMatch(/ALLOWED/);
    writeFileSync(config, JSON.stringify({ server: { overrides: { enabled: true }, auditLog: sb.path('partial-audit.jsonl') } }));
    const partial = push(client, [...opts(sha256Of(EVIL)), 'origin', 'main']);
    expect(partial.code).not.toBe(0);
    expect(partial.stderr).toMatch(/override not applied: other files of this push are blocked too/);
    expect(partial.stderr).toContain('two.pkl');
  });

  it('20 concurrent pushes share the cache and lose no audit line', async () => {
    const audit = sb.path('audit-concurrent.jsonl');
    const { client, server } = setup({ server: { overrides: { enabled: true }, auditLog: audit } });
    sb.commit(client, { 'README.md': 'base\n' }, 'base');
    expect(push(client, ['-q', 'origin', 'main']).code).toBe(0);
    const shas: string[] = [];
    for (let i = 0; i < 20; i++) {
      sb.git(client, ['checkout', '-q', '-B', `b${i}`, 'main']);
      const evil = callPickle('posix', 'system', `echo branch-${i}`, 0);
      shas.push(sha256Of(evil));
      sb.commit(client, { [`m${i}.pkl`]: evil, [`ok${i}.pkl`]: BENIGN }, `b${i}`);
    }
    const runs = await Promise.all(
      shas.map(
        (sha, i) =>
          new Promise<number | null>((resolve) => {
            const child = spawn('git', ['push', '-q', '-o', `modelscan-guard.allow=${sha}`, '-o', `modelscan-guard.reason=batch ${i}`, 'origin', `b${i}`], { cwd: client, env: sb.env, stdio: 'ignore' });
            child.on('close', resolve);
          }),
      ),
    );
    expect(runs).toEqual(Array(20).fill(0));
    const lines = readFileSync(audit, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(20);
    expect(new Set(lines.map((l) => (JSON.parse(l) as { sha256: string }).sha256))).toEqual(new Set(shas));
    const cacheDir = join(server, 'modelscan-guard', 'cache');
    let entries = 0;
    for (const d of readdirSync(cacheDir)) {
      for (const f of readdirSync(join(cacheDir, d))) {
        expect(f.endsWith('.json'), f).toBe(true); // no temporary file left behind
        JSON.parse(readFileSync(join(cacheDir, d, f), 'utf8'));
        entries++;
      }
    }
    expect(entries).toBeGreaterThanOrEqual(21);
  });
});

describe('objects behind an LFS server (--lfs-url)', () => {
  it('downloads missing objects through the Batch API, verifies them, then scans', async () => {
    const { createServer } = await import('node:http');
    const objects = new Map<string, Buffer>();
    const requests: string[] = [];
    const http = createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      if (req.method === 'POST' && req.url === '/lfs/objects/batch') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const { objects: wanted } = JSON.parse(body) as { objects: { oid: string; size: number }[] };
          const port = (http.address() as { port: number }).port;
          res.setHeader('Content-Type', 'application/vnd.git-lfs+json');
          res.end(JSON.stringify({ transfer: 'basic', objects: wanted.map((o) => (objects.has(o.oid) ? { ...o, actions: { download: { href: `http://127.0.0.1:${port}/obj/${o.oid}` } } } : { ...o, error: { code: 404, message: 'Object does not exist' } })) }));
        });
        return;
      }
      const m = /^\/obj\/([0-9a-f]{64})$/.exec(req.url ?? '');
      if (m && objects.has(m[1]!)) res.end(objects.get(m[1]!));
      else {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as { port: number }).port;
    const pushAsync = (client: string, args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn('git', ['push', ...args], { cwd: client, env: sb.env });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    try {
      const { client } = setup({}, ['--lfs-url', `http://127.0.0.1:${port}/lfs`]);
      const oidOf = (rev: string) => /oid sha256:([0-9a-f]{64})/.exec(sb.git(client, ['cat-file', '-p', rev]).stdout)![1]!;
      sb.commit(client, { 'ok.pt': BENIGN }, 'ok');
      objects.set(oidOf('HEAD:ok.pt'), BENIGN);
      const ok = await pushAsync(client, ['--no-verify', 'origin', 'main']); // nothing uploaded to the bare repo's store
      expect(ok.code, ok.stderr).toBe(0);
      expect(requests.some((r) => r.startsWith('GET /obj/'))).toBe(true);

      sb.commit(client, { 'evil.pt': EVIL }, 'evil');
      objects.set(oidOf('HEAD:evil.pt'), EVIL);
      const evil = await pushAsync(client, ['--no-verify', 'origin', 'main']);
      expect(evil.code).not.toBe(0);
      expect(evil.stderr).toMatch(/CRITICAL\s+evil\.pt/);

      // a server that serves other bytes than the pointer names: never scanned as if it were the file
      sb.git(client, ['reset', '-q', '--hard', 'HEAD~1']);
      sb.commit(client, { 'swapped.pt': Buffer.concat([BENIGN, Buffer.from('!')]) }, 'swapped');
      objects.set(oidOf('HEAD:swapped.pt'), Buffer.concat([BENIGN, Buffer.from('?')]));
      const swapped = await pushAsync(client, ['--no-verify', 'origin', 'main']);
      expect(swapped.code).not.toBe(0);
      expect(swapped.stderr).toMatch(/swapped\.pt.*sha256/);
    } finally {
      http.close();
    }
  });
});
