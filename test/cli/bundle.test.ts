/**
 * The CLI bundle the bin runs (scripts/bundle.js, built by `npm test`): its code caches must be ones V8 takes,
 * or every run silently compiles everything again. Checked in a plain node process: a cache is only taken under
 * the V8 flags it was made with, and a test runner's own process may run with others.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const BUNDLE = resolve('dist', 'bundle');

const CHECK = `
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const vm = require('node:vm');
const out = {};
for (const chunk of JSON.parse(process.argv[1])) {
  const script = new vm.Script(Module.wrap(readFileSync(chunk, 'utf8')), { filename: chunk, cachedData: readFileSync(chunk + '.cache') });
  out[chunk] = script.cachedDataRejected;
}
console.log(JSON.stringify(out));
`;

describe('CLI bundle', () => {
  it('has a code cache for the entry and the engine chunk, and V8 takes each', () => {
    const caches = readdirSync(BUNDLE).filter((f) => f.endsWith('.cjs.cache'));
    expect(caches).toContain('main.cjs.cache');
    expect(caches.some((f) => /^engine-.*\.cjs\.cache$/.test(f))).toBe(true);
    const chunks = caches.map((f) => join(BUNDLE, f.slice(0, -'.cache'.length)));
    const rejected = JSON.parse(execFileSync(process.execPath, ['-e', CHECK, JSON.stringify(chunks)], { encoding: 'utf8' })) as Record<string, boolean>;
    expect(Object.keys(rejected).sort()).toEqual([...chunks].sort());
    for (const [chunk, r] of Object.entries(rejected)) expect(r, chunk).toBe(false);
  });

  it('runs the same without its caches, or with caches V8 rejects', () => {
    // A copy of the package whose caches are gone or garbage (another node, a damaged install): V8 compiles the
    // chunks itself and the CLI gives the same answer.
    const copy = mkdtempSync(join(tmpdir(), 'msg-bundle-'));
    try {
      cpSync(resolve('bin'), join(copy, 'bin'), { recursive: true });
      cpSync(BUNDLE, join(copy, 'dist', 'bundle'), { recursive: true });
      cpSync(resolve('package.json'), join(copy, 'package.json'));
      symlinkSync(resolve('node_modules'), join(copy, 'node_modules'), 'dir');
      const caches = readdirSync(join(copy, 'dist', 'bundle')).filter((f) => f.endsWith('.cache'));
      expect(caches.length).toBeGreaterThan(1);
      caches.forEach((f, i) => {
        const path = join(copy, 'dist', 'bundle', f);
        if (i % 2 === 0) rmSync(path);
        else writeFileSync(path, Buffer.from('not a V8 code cache'));
      });
      const args = ['scan', '--format', 'json', resolve('fixtures', 'example')];
      const real = spawnSync(process.execPath, [resolve('bin', 'modelscan-guard.js'), ...args], { encoding: 'utf8' });
      const bare = spawnSync(process.execPath, [join(copy, 'bin', 'modelscan-guard.js'), ...args], { encoding: 'utf8' });
      expect(real.status).toBe(1);
      expect(bare.status, bare.stderr).toBe(1);
      expect(bare.stderr).toBe('');
      const findings = (out: string) => (JSON.parse(out) as { issues: unknown[] }).issues;
      expect(findings(real.stdout)).toHaveLength(1);
      expect(findings(bare.stdout)).toEqual(findings(real.stdout));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
