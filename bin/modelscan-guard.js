#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/bundle/ by `npm run build` (tsc, then scripts/bundle.js); run it
// after changing src/.
import '../dist/bundle/main.js';
