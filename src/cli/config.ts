/** `modelscan-guard config`: the effective configuration and where each value came from. */
import { parseArgs } from 'node:util';
import { renderEffective } from '../config/effective.js';
import { EXIT, type ExitCode } from '../engine/verdict.js';
import { topLevelOrCwd } from '../sources/git/repo.js';
import { printSettingsNotes, resolveConfig } from './config-layers.js';

export const CONFIG_HELP = `Usage: modelscan-guard config [--config FILE] [--settings-file FILE] [--fail-on SEVERITY]

Prints every setting with its effective value and where it came from: default, the config file (discovered
at the repository root, or --config), a modelscan settings file, or a flag. Same as scan --print-config.
`;

export async function runConfig(argv: string[]): Promise<ExitCode> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { config: { type: 'string' }, 'settings-file': { type: 'string' }, 'fail-on': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(CONFIG_HELP);
    return EXIT.CLEAN;
  }
  // Without --config, the config is discovered in the repository root (or the current folder outside one).
  const resolved = await resolveConfig(topLevelOrCwd(process.cwd()), { config: values.config, settingsFile: values['settings-file'], failOn: values['fail-on'] });
  process.stdout.write(renderEffective(resolved.values));
  printSettingsNotes(resolved.settings);
  return EXIT.CLEAN;
}
