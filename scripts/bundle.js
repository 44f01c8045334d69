#!/usr/bin/env node
// Bundles the compiled CLI (dist/, from tsc) into dist/bundle/, which bin/modelscan-guard.js loads. Node's ESM
// loader reads and links each module asynchronously, one wave of imports after another: some sixty modules
// cost ~20-30 ms of every run on a small machine, and every git hook pays that. Packages (node_modules) and
// node: builtins are not bundled. Dynamic imports stay chunks of their own, so a `scan` loads none of the git,
// hook or other-format code, except that the modules a `scan` of a pickle or a torch checkpoint needs share
// one chunk (ENGINE): each chunk is one more asynchronous read before the next wave. A module listed there
// needlessly only costs its parse time; one left out only costs a read.
// The keras-h5 worker is an entry of its own: the reader starts it as ./worker.js beside itself.
import { rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const out = join(dist, 'bundle');

/** Paths under dist/ (a folder ends with /) of the modules a `scan` of a pickle or a zip loads. */
const ENGINE = [
  'api.js', 'rules.js', 'types.js', 'version.js',
  'cli/scan.js', 'cli/config-layers.js', 'cli/progress.js', 'cli/usage.js',
  'config/discover.js', 'config/effective.js', 'config/load.js', 'config/schema.js',
  'engine/', 'io/', 'report/',
  'scanners/scanner.js', 'scanners/collector.js', 'scanners/emit.js',
  'scanners/pickle/', 'scanners/zip/', 'scanners/torch/', 'scanners/joblib/', 'scanners/keras/',
  'containers/zip/', 'containers/budget.js', 'containers/codec.js', 'containers/decompress.js', 'containers/paths.js',
  'containers/tar.js', 'containers/tar-header.js', 'containers/lzma-header.js',
  'sources/fs.js', 'sources/git/repo.js', 'sources/git/run.js',
];
const inEngine = (id) => {
  const rel = relative(dist, id).split(sep).join('/');
  return ENGINE.some((p) => (p.endsWith('/') ? rel.startsWith(p) : rel === p));
};

rmSync(out, { recursive: true, force: true });
const bundle = await rolldown({
  input: { main: join(dist, 'cli/main.js'), worker: join(dist, 'scanners/keras-h5/worker.js') },
  platform: 'node',
  // Bare specifiers are packages: loaded from node_modules as they are.
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
  logLevel: 'warn',
  // The engine chunk holds both ends of some dynamic imports (the registry's scanners): that is the point.
  checks: { ineffectiveDynamicImport: false },
});
await bundle.write({
  dir: out,
  format: 'esm',
  entryFileNames: '[name].js',
  chunkFileNames: '[name]-[hash].js',
  codeSplitting: { groups: [{ name: 'engine', test: inEngine }] },
});
await bundle.close();
