#!/usr/bin/env node
// Thin launcher of the CLI, which `npm run build` compiles (tsc) and bundles into dist/bundle/ (scripts/bundle.js);
// run the build after changing src/. CommonJS, as this whole folder (see bundle-loader.js).
'use strict';
require('./bundle-loader.js').runBundle();
