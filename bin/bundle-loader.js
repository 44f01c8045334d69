// Loads the CLI bundle (dist/bundle/, CommonJS, made by scripts/bundle.js) with V8's code cache.
//
// Node 20 keeps no compile cache of its own (module.enableCompileCache came in 22), so every run parsed and
// compiled the ~350 KB engine chunk and then, function by function, the code it ran: ~15-20 ms of each CLI
// run on the 2-core reference machine, paid by every git hook. The build runs the CLI once over the bundled
// examples and stores, beside each chunk, V8's cache of what that run compiled (<chunk>.cache); here each
// chunk of the bundle is compiled with its cache. V8 checks a cache against its own version, its flags and the
// source's length, and rejects one that does not fit (another node, other flags): the chunk is then compiled
// as usual. The build writes the chunks and their caches together into an emptied folder, so they match; they
// live beside the code, and whoever can change them can change the code itself.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export const BUNDLE_DIR = join(dirname(dirname(fileURLToPath(import.meta.url))), 'dist', 'bundle');

/**
 * Runs the bundled CLI (dist/bundle/main.cjs). `writeCache` (the build's warm-up run only) stores, when the
 * process exits, the code cache of every chunk the run loaded.
 */
export function runBundle({ writeCache = false } = {}) {
  const prefix = BUNDLE_DIR + sep;
  const loaded = [];
  const compile = Module.prototype._compile;
  // Only the bundle's own chunks: packages and everything else load as node loads them.
  Module.prototype._compile = function (content, filename) {
    if (!filename.startsWith(prefix) || !filename.endsWith('.cjs')) return compile.call(this, content, filename);
    const cacheFile = `${filename}.cache`;
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData: !writeCache && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined,
    });
    loaded.push({ script, cacheFile });
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, createRequire(filename), this, filename, dirname(filename));
  };
  if (writeCache) {
    process.on('exit', () => {
      for (const { script, cacheFile } of loaded) writeFileSync(cacheFile, script.createCachedData());
    });
  }
  createRequire(import.meta.url)(join(BUNDLE_DIR, 'main.cjs'));
}
