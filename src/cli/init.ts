/** `modelscan-guard init`: writes the commented default config at the repository root. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { discoverConfig } from '../config/discover.js';
import { configTemplate, INIT_FILE } from '../config/template.js';
import { EXIT, type ExitCode } from '../engine/verdict.js';
import { topLevelOrCwd } from '../sources/git/repo.js';
import { UsageError } from './usage.js';

export const INIT_HELP = `Usage: modelscan-guard init [--force]

Writes ${INIT_FILE} with every setting at its default value and a comment on each, at the repository root
(or in the current folder outside a repository). Refuses to overwrite an existing config unless --force.
`;

export async function runInit(argv: string[]): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { force: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    process.stdout.write(INIT_HELP);
    return EXIT.CLEAN;
  }
  if (positionals.length > 0) throw new UsageError('init takes no arguments');
  const dir = topLevelOrCwd(process.cwd());
  const target = join(dir, INIT_FILE);
  if (!values.force) {
    if (existsSync(target)) throw new UsageError(`${target} already exists; --force overwrites it`);
    // Another config file would win discovery (or be shadowed): say so rather than write a second one.
    let other: string | undefined;
    try {
      other = (await discoverConfig(dir)).source;
    } catch {
      other = undefined; // an invalid existing config is still an existing config; existsSync covers ours
    }
    if (other !== undefined) throw new UsageError(`a config already exists: ${other}; --force writes ${INIT_FILE} anyway`);
  }
  writeFileSync(target, configTemplate());
  process.stdout.write(`wrote ${target}\n`);
  return EXIT.CLEAN;
}
