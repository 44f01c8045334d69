// Benchmark of the server-side pre-receive mode (issue 6): a push of 1,000 commits carrying 200 model files
// into a bare repository whose pre-receive hook runs modelscan-guard, measured as the push's wall time minus
// the same push into a repository without the hook; then a re-push of the same objects to another branch.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliEnv } from './node-env.js';

const BIN = new URL('../bin/modelscan-guard.js', import.meta.url).pathname;

function git(cwd, args, env) {
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A benign pickle of a few KB (an OrderedDict of float lists) that differs per index. */
function benignPickle(i) {
  const parts = [Buffer.from([0x80, 0x04]), Buffer.from('ccollections\nOrderedDict\n)R', 'latin1')];
  for (let k = 0; k < 50; k++) {
    const key = Buffer.from(`layer${i}.${k}`);
    parts.push(Buffer.from([0x8c, key.length]), key, Buffer.from(']', 'latin1'));
    const f = Buffer.alloc(9 * 8);
    for (let j = 0; j < 8; j++) {
      f[j * 9] = 0x47; // BINFLOAT
      f.writeDoubleBE(i + k / 100 + j, j * 9 + 1);
    }
    parts.push(Buffer.from('(', 'latin1'), f, Buffer.from('es', 'latin1'));
  }
  parts.push(Buffer.from('.', 'latin1'));
  return Buffer.concat(parts);
}

export async function benchServer(work) {
  const dir = join(work, 'server');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'home'), { recursive: true });
  const env = { ...cliEnv(), HOME: join(dir, 'home'), GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x' };
  for (const k of ['GIT_DIR', 'GIT_INDEX_FILE', 'GIT_WORK_TREE']) delete env[k];
  const client = join(dir, 'client');
  git(dir, ['init', '-q', '-b', 'main', client], env);
  // 1,000 commits; every fifth adds or changes one of 200 model files (fast-import keeps generation quick)
  const parts = [];
  const data = (buf) => parts.push(Buffer.from(`data ${buf.length}\n`), buf, Buffer.from('\n'));
  for (let c = 0; c < 1000; c++) {
    parts.push(Buffer.from(`commit refs/heads/main\ncommitter b <b@x> ${1700000000 + c} +0000\n`));
    data(Buffer.from(`commit ${c}`));
    parts.push(Buffer.from(`M 644 inline notes/n${c % 50}.txt\n`));
    data(Buffer.from(`note ${c}\n`));
    if (c % 5 === 0) {
      parts.push(Buffer.from(`M 644 inline models/m${(c / 5) % 200}.pkl\n`));
      data(benignPickle(c));
    }
  }
  const stream = Buffer.concat(parts);
  execFileSync('git', ['fast-import', '--quiet'], { cwd: client, env, input: stream });
  git(client, ['reset', '-q', '--hard', 'main'], env);

  const time = (f) => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  };
  const bare = (name, hook) => {
    const p = join(dir, name);
    git(dir, ['init', '-q', '--bare', p], env);
    if (hook) {
      writeFileSync(join(p, 'hooks', 'pre-receive'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" pre-receive\n`);
      chmodSync(join(p, 'hooks', 'pre-receive'), 0o755);
    }
    return p;
  };
  const plain = bare('plain.git', false);
  const guarded = bare('guarded.git', true);
  const base = time(() => git(client, ['push', '-q', plain, 'main'], env));
  const first = time(() => git(client, ['push', '-q', guarded, 'main'], env));
  const again = time(() => git(client, ['push', '-q', guarded, 'main:refs/heads/copy'], env));
  const line = (name, ms, note) => console.log(`${name.padEnd(60)} ${ms.toFixed(0).padStart(7)} ms   ${note}`);
  line('push of 1,000 commits / 200 model files, no hook', base, 'reference');
  line('same push, pre-receive hook scanning it', first, `hook cost ≈ ${(first - base).toFixed(0)} ms`);
  line('re-push of the same objects to another branch', again, 'nothing new to the repository: near zero');
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
}
