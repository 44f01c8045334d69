// `npm run bench`, git-native modes (issue 5): whole `modelscan-guard staged` / `pre-push` runs, each in a fresh
// process, on repositories generated under <work>/git. Prints wall time and the CLI process's peak RSS next to the
// targets; nothing here fails.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliEnv } from './node-env.js';
import { writeBigArray } from './pickle-writer.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'modelscan-guard.js');
const ZERO = '0'.repeat(40);
const RUNS = 3;

/** A private HOME and no variables of a surrounding git hook (`npm run bench` may itself run from one). */
function benchEnv(home) {
  const env = { ...cliEnv(), HOME: home, XDG_CONFIG_HOME: join(home, '.config'), GIT_TERMINAL_PROMPT: '0' };
  const local = spawnSync('git', ['rev-parse', '--local-env-vars'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const k of [...local, 'GIT_QUARANTINE_PATH', 'GIT_LFS_SKIP_SMUDGE']) delete env[k];
  for (const k of Object.keys(env)) if (k.startsWith('PRE_COMMIT')) delete env[k];
  return env;
}

function git(env, cwd, args, input) {
  const r = spawnSync('git', args, { cwd, env, input, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${r.stderr}`);
  return r.stdout.trim();
}

/** One commit per entry of `commits` ({ files: {path: Buffer|string}, message }), each on top of the previous one (fast-import chains commits to the same branch), through one fast-import. */
function fastImport(env, repo, commits) {
  const parts = [];
  let t = 1_700_000_000;
  commits.forEach((c, i) => {
    const msg = Buffer.from(c.message);
    parts.push(Buffer.from(`commit refs/heads/main\ncommitter Bench <bench@example.invalid> ${t++} +0000\ndata ${msg.length}\n`), msg, Buffer.from('\n'));
    for (const [path, content] of Object.entries(c.files)) {
      const b = Buffer.isBuffer(content) ? content : Buffer.from(content);
      parts.push(Buffer.from(`M 100644 inline ${path}\ndata ${b.length}\n`), b, Buffer.from('\n'));
    }
  });
  const r = spawnSync('git', ['fast-import', '--quiet'], { cwd: repo, env, input: Buffer.concat(parts), maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`git fast-import failed: ${r.stderr}`);
}

/** Runs the CLI in `cwd`; its own peak RSS comes from a preloaded probe that records resourceUsage() at exit. */
function measure(env, cwd, probe, args, input = '') {
  const out = join(dirname(probe), 'rss.json');
  rmSync(out, { force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', probe, bin, ...args], { cwd, env: { ...env, BENCH_RSS_FILE: out }, input, encoding: 'utf8' });
  const ms = performance.now() - t0;
  let rssMb = NaN;
  try {
    rssMb = JSON.parse(readFileSync(out, 'utf8')).maxRssKb / 1024;
  } catch {
    /* the probe did not run: reported as NaN */
  }
  return { ms, rssMb, code: r.status, stderr: r.stderr };
}

/** The median run of `n` (single runs on a shared VM vary by +-50%); `before` resets state (e.g. the cache) each time. */
function median(n, run, before = () => {}) {
  const runs = [];
  for (let i = 0; i < n; i++) {
    before();
    runs.push(run());
  }
  runs.sort((a, b) => a.ms - b.ms);
  return { ...runs[Math.floor(n / 2)], min: runs[0].ms };
}

function report(name, m, target) {
  console.log(
    `${name.padEnd(52)} wall ${m.ms.toFixed(0).padStart(6)} ms (min ${m.min.toFixed(0).padStart(4)})  peak RSS ${m.rssMb.toFixed(0).padStart(5)} MB  exit ${m.code}   ${target}`,
  );
  if (m.code !== 0) console.log(`   ${m.stderr.trim().split('\n').slice(0, 6).join('\n   ')}`);
}

/** Benign protocol-2 pickle of {'w': i}. */
function smallModel(i) {
  const b = Buffer.from('\x80\x02}q\x00X\x01\x00\x00\x00wq\x01J....s.', 'latin1');
  b.writeInt32LE(i, 14);
  return b;
}

export async function benchGit(work) {
  const root = join(work, 'git');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'home'), { recursive: true });
  const env = benchEnv(join(root, 'home'));
  git(env, root, ['config', '--global', 'user.name', 'Bench']);
  git(env, root, ['config', '--global', 'user.email', 'bench@example.invalid']);
  git(env, root, ['config', '--global', 'init.defaultBranch', 'main']);
  const probe = join(root, 'rss-probe.mjs');
  writeFileSync(probe, "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => { if (process.env.BENCH_RSS_FILE) writeFileSync(process.env.BENCH_RSS_FILE, JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })); });\n");

  // (c) 5,000 files; the commit touches none of the models.
  const big = join(root, 'files-5000');
  git(env, root, ['init', '-q', big]);
  git(env, big, ['lfs', 'install', '--local']);
  const files = { 'README.md': '# bench\n' };
  for (let i = 0; i < 5000; i++) files[`src/d${i % 50}/f${i}.${i % 100 === 0 ? 'pkl' : 'txt'}`] = i % 100 === 0 ? smallModel(i) : `line ${i}\n`.repeat(20);
  fastImport(env, big, [{ files, message: 'base' }]);
  git(env, big, ['reset', '-q', '--hard', 'main']);
  writeFileSync(join(big, 'README.md'), '# bench\nedited\n');
  git(env, big, ['add', 'README.md']);
  report('(c) staged: 5,000-file repo, commit touches no model', median(RUNS, () => measure(env, big, probe, ['staged'])), 'target: <= 300 ms (whole hook)');

  // (d) the same repository, a commit adding a 1 GiB LFS model (sparse numpy-like pickle, as bench (b)).
  git(env, big, ['reset', '-q']);
  git(env, big, ['lfs', 'track', '*.pt']);
  writeBigArray(join(big, 'model.pt'), (1 << 30) - 128);
  const t0 = performance.now();
  git(env, big, ['add', '.gitattributes', 'model.pt']); // git-lfs's clean filter: hashes and stores the object
  const addMs = performance.now() - t0;
  // Cold: the verdict cache is emptied before each run (the model is new to the repository).
  const dropCache = (repo) => () => rmSync(join(repo, '.git', 'modelscan-guard'), { recursive: true, force: true });
  report('(d) staged: + 1 GiB LFS model', median(RUNS, () => measure(env, big, probe, ['staged']), dropCache(big)), `target: <= 1000 ms   (git add itself: ${addMs.toFixed(0)} ms)`);

  // (e) a push of 500 new commits (every 5th adds a small model), then the same push again (verdict cache).
  const push = join(root, 'push-500');
  git(env, root, ['init', '-q', push]);
  git(env, root, ['init', '-q', '--bare', join(root, 'origin.git')]);
  git(env, push, ['remote', 'add', 'origin', join(root, 'origin.git')]);
  const commits = [];
  for (let i = 0; i < 500; i++) {
    const f = { [`notes/n${i % 40}.txt`]: `commit ${i}\n`.repeat(10) };
    if (i % 5 === 0) f[`models/m${i}.pkl`] = smallModel(i);
    commits.push({ files: f, message: `commit ${i}` });
  }
  fastImport(env, push, commits);
  const line = `refs/heads/main ${git(env, push, ['rev-parse', 'main'])} refs/heads/main ${ZERO}\n`;
  const args = ['pre-push', 'origin', join(root, 'origin.git')];
  report('(e) pre-push: 500 new commits (cold cache)', median(RUNS, () => measure(env, push, probe, args, line), dropCache(push)), 'figures only');
  report('(f) pre-push: the same push again (warm cache)', median(RUNS, () => measure(env, push, probe, args, line)), 'target: near zero (cache)');
  report('    for scale: `modelscan-guard --version`', median(RUNS, () => measure(env, push, probe, ['--version'])), 'node start + CLI load');
}
