#!/usr/bin/env node
// The build's warm-up run (scripts/bundle.js): runs the bundled CLI with these arguments and stores V8's code
// cache of every chunk it loaded when it exits.
import { runBundle } from '../bin/bundle-loader.js';

runBundle({ writeCache: true });
