#!/usr/bin/env node
// The build's warm-up run (scripts/bundle.js): runs the bundled CLI with these arguments and stores V8's code
// cache of every chunk it loaded when it exits.
import loader from '../bin/bundle-loader.js';

loader.runBundle({ writeCache: true });
