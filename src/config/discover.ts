/**
 * Finding a repository's config with cosmiconfig, in the repository root only: the `modelscan-guard` key of
 * package.json, `.modelscan-guardrc` (JSON or YAML), `.modelscan-guardrc.{json,yaml,yml,js,cjs,mjs,ts}`,
 * `modelscan-guard.config.{js,cjs,mjs,ts}` and the same under `.config/`.
 *
 * Client modes only: a JS/TS config runs code, which is the user's own choice in their repository. The server
 * mode never reads config from the pushed tree.
 */
import { cosmiconfig } from 'cosmiconfig';
import { ConfigError, validateConfig, type Config } from './schema.js';
import { loadConfigFile } from './load.js';

export const CONFIG_NAME = 'modelscan-guard';

export interface FoundConfig {
  config: Config;
  /** The file it came from; undefined when none exists (defaults apply). */
  source?: string;
}

export async function discoverConfig(root: string): Promise<FoundConfig> {
  const explorer = cosmiconfig(CONFIG_NAME, { searchStrategy: 'none', cache: false });
  let found: { config: unknown; filepath: string; isEmpty?: boolean } | null;
  try {
    found = await explorer.search(root);
  } catch (err) {
    throw new ConfigError(`cannot read the modelscan-guard config in ${root}: ${(err as Error).message}`);
  }
  if (found === null) return { config: {} };
  if (found.isEmpty) return { config: {}, source: found.filepath };
  return { config: validateConfig(found.config, found.filepath), source: found.filepath };
}

/** --config FILE when given (JSON), otherwise discovery from `root`. */
export async function loadConfig(root: string, explicit: string | undefined): Promise<FoundConfig> {
  if (explicit !== undefined) return { config: loadConfigFile(explicit), source: explicit };
  return discoverConfig(root);
}
