/**
 * The effective configuration as layers (defaults, the config file, a modelscan settings file, command-line
 * flags) merged in that order, and where each value came from, for `--print-config` and `modelscan-guard config`.
 * Scalars: the last layer that sets them wins. Lists of entries (allow, pickle.allow, pickle.deny) add up.
 */
import { DEFAULT_LIMITS } from '../engine/limits.js';
import type { Config } from './schema.js';

export interface ConfigLayer {
  /** `default`, a file path, `flag --fail-on`, `settings file …`. */
  source: string;
  config: Config;
}

const ADDITIVE = new Set(['allow', 'pickle.allow', 'pickle.deny']);

export const DEFAULT_CONFIG: Config = {
  failOn: 'LOW',
  include: [],
  exclude: [],
  allow: [],
  lfs: { missing: 'block', verify: false },
  pickle: { allow: [], deny: [] },
  limits: DEFAULT_LIMITS as unknown as Config['limits'],
};

type Flat = Map<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{lfs: {missing: 'x'}}` → `lfs.missing = 'x'`; arrays are leaves. */
function flatten(v: Record<string, unknown>, prefix = '', out: Flat = new Map()): Flat {
  for (const [k, val] of Object.entries(v)) {
    if (val === undefined) continue;
    const key = prefix ? `${prefix}.${k}` : k;
    if (isObject(val)) flatten(val, key, out);
    else out.set(key, val);
  }
  return out;
}

function unflatten(flat: Flat): Config {
  const out: Record<string, unknown> = {};
  for (const [key, val] of flat) {
    const parts = key.split('.');
    let o = out;
    for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
    o[parts.at(-1)!] = val;
  }
  return out as Config;
}

export interface EffectiveValue {
  key: string;
  value: unknown;
  /** Every layer that contributed (one for scalars; possibly several for additive lists). */
  sources: string[];
}

/** The merged config and, per key, where its value came from. Defaults are not part of the returned config. */
export function mergeLayers(layers: readonly ConfigLayer[]): { config: Config; values: EffectiveValue[] } {
  const values = new Map<string, EffectiveValue>();
  for (const [key, value] of flatten(DEFAULT_CONFIG as Record<string, unknown>)) values.set(key, { key, value, sources: ['default'] });
  const set: Flat = new Map();
  for (const layer of layers) {
    for (const [key, value] of flatten(layer.config as Record<string, unknown>)) {
      const prev = values.get(key);
      if (ADDITIVE.has(key) && set.has(key)) {
        const merged = [...(set.get(key) as unknown[]), ...(value as unknown[])];
        set.set(key, merged);
        values.set(key, { key, value: merged, sources: [...prev!.sources, layer.source] });
      } else {
        set.set(key, value);
        values.set(key, { key, value, sources: [layer.source] });
      }
    }
  }
  return { config: unflatten(set), values: [...values.values()] };
}

/** One line per key: `key = value  # source`; lists of entries get one line per entry. */
export function renderEffective(values: readonly EffectiveValue[]): string {
  const lines: string[] = [];
  for (const v of values) {
    const from = `# ${v.sources.join(' + ')}`;
    if (Array.isArray(v.value) && v.value.some(isObject)) {
      lines.push(`${v.key} = [${v.value.length} entr${v.value.length === 1 ? 'y' : 'ies'}]  ${from}`);
      for (const e of v.value) lines.push(`  - ${JSON.stringify(e)}`);
    } else lines.push(`${v.key} = ${JSON.stringify(v.value)}  ${from}`);
  }
  return lines.join('\n') + '\n';
}
