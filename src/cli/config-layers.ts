/**
 * The configuration a command runs with, from its layers: the discovered (or --config) file, a modelscan settings
 * file (--settings-file), and flags. Shared by scan, diff, staged and `config` so --print-config tells the truth.
 */
import { loadConfig } from '../config/discover.js';
import { mergeLayers, type ConfigLayer, type EffectiveValue } from '../config/effective.js';
import type { ModelscanSettings } from '../config/modelscan-settings.js';
import { ConfigError, type Config } from '../config/schema.js';
import { SEVERITIES, type Severity } from '../types.js';
import { UsageError } from './usage.js';

export interface ConfigFlags {
  config?: string | undefined;
  settingsFile?: string | undefined;
  failOn?: string | undefined;
}

export interface ResolvedConfig {
  config: Config;
  values: EffectiveValue[];
  /** The file the config came from, when one was found. */
  source?: string;
  settings?: ModelscanSettings;
}

export function parseSeverityFlag(flag: string, v: string): Severity {
  const s = v.toUpperCase();
  if (!(SEVERITIES as readonly string[]).includes(s)) throw new UsageError(`${flag} must be one of ${SEVERITIES.join(', ')}, not ${JSON.stringify(v)}`);
  return s as Severity;
}

export async function resolveConfig(root: string, flags: ConfigFlags): Promise<ResolvedConfig> {
  const layers: ConfigLayer[] = [];
  let source: string | undefined;
  let settings: ModelscanSettings | undefined;
  try {
    const found = await loadConfig(root, flags.config);
    source = found.source;
    if (found.source !== undefined) layers.push({ source: found.source, config: found.config });
    if (flags.settingsFile !== undefined) {
      const { readModelscanSettings } = await import('../config/modelscan-settings.js'); // TOML parser only when asked
      settings = readModelscanSettings(flags.settingsFile);
      layers.push({ source: `modelscan settings ${flags.settingsFile}`, config: settings.config });
    }
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`invalid config: ${err.message}`);
    throw err;
  }
  if (flags.failOn !== undefined) layers.push({ source: 'flag --fail-on', config: { failOn: parseSeverityFlag('--fail-on', flags.failOn) } });
  const { config, values } = mergeLayers(layers);
  return { config, values, ...(source !== undefined ? { source } : {}), ...(settings ? { settings } : {}) };
}

/** What a settings file mapped and ignored, on stderr: a migration must never be silently partial. */
export function printSettingsNotes(settings: ModelscanSettings | undefined, stream: NodeJS.WritableStream = process.stderr): void {
  if (!settings) return;
  for (const a of settings.applied) stream.write(`modelscan-guard: settings: applied ${a}\n`);
  for (const i of settings.ignored) stream.write(`modelscan-guard: settings: ignored ${i}\n`);
}
