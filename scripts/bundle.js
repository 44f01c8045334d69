#!/usr/bin/env node
// Bundles the compiled CLI (dist/, from tsc) into dist/bundle/, which bin/modelscan-guard.js runs through
// bin/bundle-loader.js. Two costs of every run (every git hook pays them) go away:
// - Node's ESM loader reads and links each module asynchronously, one wave of imports after another: some
//   sixty modules cost ~20-30 ms on a small machine. The bundle is CommonJS, loaded synchronously.
// - Node 20 keeps no compile cache: after bundling, the CLI runs once over the bundled examples and V8's code
//   cache of each chunk is stored beside it (<chunk>.cache; see bin/bundle-loader.js).
// Packages (node_modules) and node: builtins are not bundled. Dynamic imports stay chunks of their own, so a
// `scan` loads none of the git, hook or other-format code, except that the modules a `scan` of a pickle or a
// torch checkpoint needs share one chunk (ENGINE): each chunk is one more file to read and compile. A module
// listed there needlessly only costs its parse time; one left out only costs a read.
// The keras-h5 worker is bundled on its own as an ES module, worker.js beside the chunks: the reader starts it
// as ./worker.js beside itself, in a worker thread that loads h5wasm (an ES module) with import().
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
const common = {
  platform: 'node',
  // Bare specifiers are packages: loaded from node_modules as they are.
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0'),
  logLevel: 'warn',
  // The engine chunk holds both ends of some dynamic imports (the registry's scanners): that is the point.
  checks: { ineffectiveDynamicImport: false },
};
const cli = await rolldown({ ...common, input: { main: join(dist, 'cli/main.js') } });
await cli.write({
  dir: out,
  format: 'cjs',
  // import() of a package becomes require(): code compiled through node:vm has no loader for import() (the
  // packages the CLI loads lazily, cosmiconfig, minimatch and smol-toml, all ship CommonJS).
  dynamicImportInCjs: false,
  entryFileNames: '[name].cjs',
  chunkFileNames: '[name]-[hash].cjs',
  codeSplitting: { groups: [{ name: 'engine', test: inEngine }] },
});
await cli.close();
// Code compiled through node:vm has no loader for import(): a chunk that still calls it (a package added that
// ships no CommonJS) would fail only when that line runs, so the build fails now instead.
for (const f of readdirSync(out).filter((n) => n.endsWith('.cjs'))) {
  if (/\bimport\(/.test(readFileSync(join(out, f), 'utf8'))) throw new Error(`bundle: ${f} calls import(), which bin/bundle-loader.js cannot serve`);
}
const worker = await rolldown({ ...common, input: { worker: join(dist, 'scanners/keras-h5/worker.js') } });
await worker.write({ dir: out, format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'worker-[name]-[hash].js' });
await worker.close();

// The warm-up run that writes the code caches: the examples hold a pickle, a torch zip with a malicious pickle
// and a text file (exit 1 by design). Without them (a copy of the package made without fixtures/) the CLI works
// without caches, only slower: said, not failed.
const examples = join(root, 'fixtures', 'example');
if (!existsSync(examples)) {
  console.error('bundle: fixtures/example is missing: no code caches were written (the CLI starts slower)');
} else {
  const warm = spawnSync(process.execPath, [join(root, 'scripts', 'warm-bundle.js'), 'scan', '--format', 'json', examples], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (warm.status !== 1 || !existsSync(join(out, 'main.cjs.cache'))) {
    const caches = readdirSync(out).filter((f) => f.endsWith('.cache')).length;
    console.error(`bundle: the warm-up scan of fixtures/example exited ${warm.status ?? warm.signal} (1 expected) and wrote ${caches} code caches`);
    process.exitCode = 1;
  }
}
