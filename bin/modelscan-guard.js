#!/usr/bin/env node
// Thin launcher: the CLI lives in dist/ (run `npm run build` after changing src/).
import '../dist/bundle/main.js';
