/**
 * The CLI bundle the bin runs (scripts/bundle.js, built by `npm test`): its code caches must be ones V8 takes,
 * or every run silently compiles everything again. Checked in a plain node process: a cache is only taken under
 * the V8 flags it was made with, and a test runner's own process may run with others.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
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
});
