// The environment the benchmarks run the CLI in. NODE_EXTRA_CA_CERTS makes node read and parse a CA bundle
// before any script runs: ~0.1 s of every process on the 2-core reference machine, whose sandbox sets it for
// everything. The CLI opens no TLS connection of its own (LFS transfers are git-lfs's), so the figures leave
// that cost out; startupNote() prints what it is where the benchmarks run.
import { spawnSync } from 'node:child_process';

/** `env` without NODE_EXTRA_CA_CERTS. */
export function cliEnv(env = process.env) {
  const e = { ...env };
  delete e.NODE_EXTRA_CA_CERTS;
  return e;
}

function bareNodeMs(env) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ['-e', '0'], { env });
    times.push(performance.now() - t0);
  }
  return Math.min(...times);
}

/** One line: node's own start-up here, and what NODE_EXTRA_CA_CERTS adds when this environment sets it. */
export function startupNote() {
  const bare = bareNodeMs(cliEnv());
  const set = process.env.NODE_EXTRA_CA_CERTS;
  const withCa = set ? `; ${bareNodeMs(process.env).toFixed(0)} ms with this environment's NODE_EXTRA_CA_CERTS, which the processes below run without` : '';
  return `node -e 0 takes ${bare.toFixed(0)} ms here${withCa}`;
}
