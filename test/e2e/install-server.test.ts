/**
 * The server hook installer against real bare repositories and pushes: installed hooks run, foreign hooks are
 * kept and chained, re-installing changes nothing, and the run bit is always set.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installServerHook, InstallError } from '../../src/install/server-hook.js';
import { callPickle } from '../helpers/pickle-asm.js';
import { BIN, GitSandbox } from '../helpers/git-sandbox.js';

const EVIL = callPickle('posix', 'system', 'echo pwned', 0);
const sb = new GitSandbox('msg-install-server-');
afterAll(() => sb.cleanup());

const cliOpts = { node: process.execPath, cli: BIN };

describe('install --server', () => {
  it('installs an executable pre-receive hook into a bare repository; installing twice changes nothing', () => {
    const server = sb.initBare("it's a server.git"); // a quote in the path: the script must quote it right
    const policy = sb.path('policy.json');
    writeFileSync(policy, JSON.stringify({ failOn: 'LOW' }));
    const first = installServerHook(server, { ...cliOpts, config: policy });
    expect(first.hookFile).toBe(join(server, 'hooks', 'pre-receive'));
    expect(statSync(first.hookFile).mode & 0o111).toBe(0o111);
    const script = readFileSync(first.hookFile, 'utf8');
    const second = installServerHook(server, { ...cliOpts, config: policy });
    expect(readFileSync(first.hookFile, 'utf8')).toBe(script);
    expect(second.actions.join()).toMatch(/already up to date/);

    const client = sb.initRepo('client');
    sb.git(client, ['remote', 'add', 'origin', `file://${server}`]);
    sb.commit(client, { 'ok.txt': 'fine\n' }, 'ok');
    expect(sb.git(client, ['push', '-q', 'origin', 'main'], { allowFail: true }).code).toBe(0);
    sb.commit(client, { 'evil.pkl': EVIL }, 'evil');
    const r = sb.git(client, ['push', 'origin', 'main'], { allowFail: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/remote: modelscan-guard: BLOCKED/);
  });

  it('keeps a foreign hook, runs it first with the same input, and its refusal still counts', () => {
    const server = sb.initBare('chained.git');
    sb.hook(join(server, 'hooks'), 'pre-receive', '#!/bin/sh\nwhile read -r old new ref; do echo "foreign saw $ref" >&2; done\n[ -z "$FOREIGN_REFUSES" ]\n');
    const res = installServerHook(server, cliOpts);
    expect(res.actions.join()).toMatch(/kept the existing hook as .*pre-receive\.local/);
    expect(installServerHook(server, cliOpts).actions.join()).toMatch(/already up to date/);
    const client = sb.initRepo('client2');
    sb.git(client, ['remote', 'add', 'origin', `file://${server}`]);
    sb.commit(client, { 'a.txt': 'a\n' }, 'a');
    const ok = sb.git(client, ['push', 'origin', 'main'], { allowFail: true });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('foreign saw refs/heads/main');
    sb.commit(client, { 'b.txt': 'b\n' }, 'b');
    const refused = sb.git(client, ['push', 'origin', 'main'], { allowFail: true, env: { FOREIGN_REFUSES: '1' } });
    expect(refused.code).not.toBe(0);
    sb.commit(client, { 'evil.pkl': EVIL }, 'evil');
    const evil = sb.git(client, ['push', 'origin', 'main'], { allowFail: true });
    expect(evil.code).not.toBe(0);
    expect(evil.stderr).toContain('foreign saw refs/heads/main');
    expect(evil.stderr).toContain('evil.pkl');
  });

  it('drops a file into a pre-receive.d folder (GitLab custom_hooks, Gitea/Forgejo hooks)', () => {
    const dir = sb.path('custom_hooks', 'pre-receive.d');
    mkdirSync(dir, { recursive: true });
    const res = installServerHook(dir, cliOpts);
    expect(res.hookFile).toBe(join(dir, 'modelscan-guard'));
    expect(statSync(res.hookFile).mode & 0o111).toBe(0o111);
    writeFileSync(join(dir, 'other'), '#!/bin/sh\n');
    expect(() => installServerHook(sb.path('nowhere'), cliOpts)).toThrow(InstallError);
    expect(() => installServerHook(dir, { ...cliOpts, config: sb.path('missing.json') })).toThrow(/does not exist/);
  });
});
