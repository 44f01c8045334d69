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
//
// This folder is CommonJS (bin/package.json): an ES module bin made node start its ESM loader for two files,
// ~20 ms of every run on that machine.
'use strict';
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join, sep } = require('node:path');
const vm = require('node:vm');

const BUNDLE_DIR = join(dirname(__dirname), 'dist', 'bundle');

/**
 * Runs the bundled CLI (dist/bundle/main.cjs). `writeCache` (the build's warm-up run only) stores, when the
 * process exits, the code cache of every chunk the run loaded.
 */
function runBundle({ writeCache = false } = {}) {
  const prefix = BUNDLE_DIR + sep;
  const loaded = [];
  const compile = Module.prototype._compile;
  // Only the bundle's own chunks: packages and everything else load as node loads them, with whatever
  // arguments it passes (newer nodes add the module's format).
  Module.prototype._compile = function (content, filename, ...rest) {
    if (!filename.startsWith(prefix) || !filename.endsWith('.cjs')) return compile.call(this, content, filename, ...rest);
    const cacheFile = `${filename}.cache`;
    const script = new vm.Script(Module.wrap(content), {
      filename,
      cachedData: !writeCache && existsSync(cacheFile) ? readFileSync(cacheFile) : undefined,
    });
    loaded.push({ script, cacheFile });
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(this.exports, this.exports, Module.createRequire(filename), this, filename, dirname(filename));
  };
  if (writeCache) {
    process.on('exit', () => {
      for (const { script, cacheFile } of loaded) writeFileSync(cacheFile, script.createCachedData());
    });
  }
  require(join(BUNDLE_DIR, 'main.cjs'));
}

module.exports = { runBundle };
