/**
 * Migration from Protect AI's modelscan: reads its settings file (TOML, `modelscan create-settings-file`) and
 * maps what has a meaning here. Its `unsafe_globals` severity tables become `pickle.deny` entries (on top of our
 * own list, which already includes modelscan's defaults); its reporting module picks the report format. Scanner
 * switches and file extensions are not followed: formats are recognised from the bytes, and turning a scanner off
 * would let that format through unscanned. Everything ignored is listed, so nobody believes it applied.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import type { DenyEntry } from '../scanners/pickle/policy-data.js';
import { ConfigError, validateConfig, type Config } from './schema.js';

export interface ModelscanSettings {
  /** The part of our config the settings map to (validated like any config). */
  config: Config;
  /** `reporting.module` JSONReport → json, ConsoleReport → console. */
  format?: 'json' | 'console';
  /** `reporting.settings.output_file`. */
  output?: string;
  /** What was taken over, one line each. */
  applied: string[];
  /** What was not, with why. */
  ignored: string[];
}

const KNOWN_SCANNERS: Record<string, string> = {
  'modelscan.scanners.PickleUnsafeOpScan': 'pickle',
  'modelscan.scanners.PyTorchUnsafeOpScan': 'pickle (PyTorch zip and legacy files)',
  'modelscan.scanners.NumpyUnsafeOpScan': 'pickle (object arrays in .npy)',
  'modelscan.scanners.H5LambdaDetectScan': 'hdf5',
  'modelscan.scanners.KerasLambdaDetectScan': 'keras',
  'modelscan.scanners.SavedModelLambdaDetectScan': 'tf-savedmodel',
  'modelscan.scanners.SavedModelTensorflowOpScan': 'tf-savedmodel',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readModelscanSettings(path: string): ModelscanSettings {
  let raw: Record<string, unknown>;
  try {
    raw = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`${path}: cannot read it as a modelscan TOML settings file (${(err as Error).message})`);
  }
  return mapModelscanSettings(raw, path);
}

export function mapModelscanSettings(raw: Record<string, unknown>, path: string): ModelscanSettings {
  const out: ModelscanSettings = { config: {}, applied: [], ignored: [] };
  const deny: DenyEntry[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'unsafe_globals') {
      if (!isObject(value)) throw new ConfigError(`${path}: unsafe_globals: expected a table of severities`);
      for (const [sev, table] of Object.entries(value)) {
        if (!isObject(table)) throw new ConfigError(`${path}: unsafe_globals.${sev}: expected a table of module = "*" or [names]`);
        for (const [module, names] of Object.entries(table)) {
          // modelscan writes `"*"` for a whole module, or a list of names; validateConfig checks both below.
          deny.push({ module, names: names as DenyEntry['names'], severity: sev as DenyEntry['severity'], reason: `modelscan settings ${path}: unsafe_globals.${sev}` });
        }
      }
      out.applied.push(`unsafe_globals: ${deny.length} module entr${deny.length === 1 ? 'y' : 'ies'} → pickle.deny (added to the built-in list, which already covers modelscan's defaults)`);
    } else if (key === 'scanners') {
      if (!isObject(value)) continue;
      for (const [name, s] of Object.entries(value)) {
        const ours = KNOWN_SCANNERS[name];
        const enabled = isObject(s) ? s.enabled !== false : true;
        if (ours === undefined) out.ignored.push(`scanners."${name}": not a modelscan scanner modelscan-guard knows; formats are recognised from content`);
        else if (!enabled) out.ignored.push(`scanners."${name}".enabled = false: not followed, modelscan-guard never turns a scanner off (that format would pass unscanned); use include/exclude globs to leave paths out`);
        else out.applied.push(`scanners."${name}": enabled, covered by the ${ours} scanner`);
        if (isObject(s)) {
          for (const k of Object.keys(s)) {
            if (k === 'enabled') continue;
            if (k === 'supported_extensions') out.ignored.push(`scanners."${name}".supported_extensions: not needed, formats are recognised from the bytes whatever the file is called`);
            else out.ignored.push(`scanners."${name}".${k}: no equivalent setting`);
          }
        }
      }
    } else if (key === 'reporting') {
      if (!isObject(value)) continue;
      const module = typeof value.module === 'string' ? value.module : '';
      if (/JSONReport$/.test(module)) out.format = 'json';
      else if (/ConsoleReport$/.test(module)) out.format = 'console';
      if (out.format) out.applied.push(`reporting.module = "${module}" → --format ${out.format} (unless --format is given)`);
      else if (module) out.ignored.push(`reporting.module = "${module}": custom reporting modules cannot run here; use --format json, sarif, junit or markdown`);
      const settings = isObject(value.settings) ? value.settings : {};
      for (const [k, v] of Object.entries(settings)) {
        if (k === 'output_file' && typeof v === 'string' && v !== '') {
          out.output = v;
          out.applied.push(`reporting.settings.output_file → --output ${v} (unless --output is given)`);
        } else out.ignored.push(`reporting.settings.${k}: no equivalent setting`);
      }
    } else if (key === 'supported_zip_extensions') {
      out.ignored.push('supported_zip_extensions: not needed, archives are recognised from the bytes');
    } else if (key === 'middlewares') {
      out.ignored.push('middlewares: modelscan-specific (e.g. format detection by extension); not applicable');
    } else {
      out.ignored.push(`${key}: not a modelscan setting modelscan-guard knows`);
    }
  }
  if (deny.length > 0) out.config = validateConfig({ pickle: { deny } }, `${path} (mapped)`);
  return out;
}
