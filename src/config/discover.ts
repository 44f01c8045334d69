/**
 * Finding a repository's config with cosmiconfig, in the repository root only: the `modelscan-guard` key of
 * package.json, `.modelscan-guardrc` (JSON or YAML), `.modelscan-guardrc.{json,yaml,yml,js,cjs,mjs,ts}`,
 * `modelscan-guard.config.{js,cjs,mjs,ts}` and the same under `.config/`.
 *
 * Client modes only: a JS/TS config runs code, which is the user's own choice in their repository. The server
 * mode never reads config from the pushed tree.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, validateConfig, type Config } from './schema.js';
import { loadConfigFile } from './load.js';

export const CONFIG_NAME = 'modelscan-guard';

export interface FoundConfig {
  config: Config;
  /** The file it came from; undefined when none exists (defaults apply). */
  source?: string;
}

/** Where cosmiconfig looks (its default list for our name, given to it explicitly so both checks agree). */
export const SEARCH_PLACES = [
  'package.json',
  ...['', '.json', '.yaml', '.yml', '.js', '.ts', '.cjs', '.mjs'].flatMap((ext) => [`.${CONFIG_NAME}rc${ext}`, `.config/${CONFIG_NAME}rc${ext}`]),
  ...['.js', '.ts', '.cjs', '.mjs'].map((ext) => `${CONFIG_NAME}.config${ext}`),
];
/** Files that reconfigure cosmiconfig itself (its "meta config"), read from the working directory. */
const META_PLACES = ['package.yaml', ...['json', 'yaml', 'yml', 'js', 'ts', 'cjs', 'mjs'].map((ext) => `.config/config.${ext}`)];

/**
 * Whether cosmiconfig could find anything: most repositories have no config, and loading cosmiconfig (and its
 * YAML and TypeScript loaders) costs more than a hook with nothing to scan should. Errs towards "maybe".
 */
function mayHaveConfig(root: string): boolean {
  if (SEARCH_PLACES.some((p) => p !== 'package.json' && existsSync(join(root, p)))) return true;
  if ([root, process.cwd()].some((dir) => META_PLACES.some((p) => existsSync(join(dir, p))))) return true;
  const pkg = join(root, 'package.json');
  if (!existsSync(pkg)) return false;
  // A huge package.json is left to cosmiconfig rather than read twice.
  if (statSync(pkg).size > 4 * 1024 * 1024) return true;
  // Parsed, not searched: a package.json that merely depends on modelscan-guard names it too, and every hook
  // run in such a repository would load cosmiconfig for nothing.
  let pkgJson: unknown;
  try {
    pkgJson = JSON.parse(readFileSync(pkg, 'utf8'));
  } catch {
    return true; // cosmiconfig reports the broken file
  }
  return typeof pkgJson !== 'object' || pkgJson === null || Object.hasOwn(pkgJson, CONFIG_NAME) || Object.hasOwn(pkgJson, 'cosmiconfig');
}

export async function discoverConfig(root: string): Promise<FoundConfig> {
  if (!mayHaveConfig(root)) return { config: {} };
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig(CONFIG_NAME, { searchStrategy: 'none', searchPlaces: SEARCH_PLACES, cache: false });
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
