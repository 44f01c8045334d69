/**
 * The commented config `modelscan-guard init` writes: every key with its default, so a team sees what it can
 * change and what it gets when it changes nothing. YAML (cosmiconfig reads `.modelscan-guardrc.yaml`) because
 * JSON has no comments. Limits come from src/engine/limits.ts, so the file never shows stale numbers.
 */
import { DEFAULT_LIMITS } from '../engine/limits.js';

export const INIT_FILE = '.modelscan-guardrc.yaml';

function limitsYaml(v: Record<string, unknown>, indent: string): string[] {
  const lines: string[] = [];
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === 'object' && val !== null) lines.push(`${indent}${k}:`, ...limitsYaml(val as Record<string, unknown>, `${indent}  `));
    else lines.push(`${indent}${k}: ${String(val)}`);
  }
  return lines;
}

export function configTemplate(): string {
  const limits = limitsYaml(DEFAULT_LIMITS as unknown as Record<string, unknown>, '#   ');
  return `# modelscan-guard configuration (https://github.com/modelscan-guard/modelscan-guard#configuration).
# Every value below is the default: delete what you do not change. Validated on every run; a mistake is
# reported with the key and what was expected (exit 4). 'modelscan-guard config' shows the effective values.

# Lowest severity that blocks a commit, push or CI job: LOW (any finding), MEDIUM, HIGH or CRITICAL.
failOn: LOW

# Repository paths to scan in the git modes (minimatch globs; a pattern without "/" matches the file name at
# any depth). Empty: every file. Files are recognised by content, so do not narrow this to extensions.
include: []
# Paths never scanned (reported as excluded), e.g. ["third_party/**"].
exclude: []

lfs:
  # A Git LFS pointer whose object is not in the local store: block (default), warn, or fetch it.
  missing: block
  # Also check each LFS object's sha256 against its pointer (reads the whole object).
  verify: false

# Files allowed on purpose, by the sha256 of their content (modelscan-guard allow PATH --reason "..." writes
# them to .modelscan-guard-allow.json instead, which is what reviewers usually want).
#   - sha256: <64 hex digits>
#     reason: "reviewed in ticket 42"
allow: []

pickle:
  # Globals your own model pickles import, known safe: {module, names: [..] | "*" | "classes", reason}.
  # The deny list always wins: os.system can never be allowed.
  #   - module: mylab.models
  #     names: [ResNetHead]
  #     reason: our own model class
  allow: []
  # Globals to treat as dangerous on top of the built-in list: {module, names, severity, reason}.
  deny: []

# Engine bounds; hitting one is an explicit error (exit 2), never a silent pass. Uncomment to change.
# limits:
${limits.join('\n')}
`;
}
