/** Reading a config file given explicitly. JSON only here; errors say which file and what is wrong. */
import { readFileSync } from 'node:fs';
import { ConfigError, validateConfig, type Config } from './schema.js';

export function loadConfigFile(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${path}: cannot read the config file (${(err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return validateConfig(raw, path);
}
