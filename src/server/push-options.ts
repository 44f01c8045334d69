/**
 * Push options a pusher sends with `git push -o ...` (git-recipes 3.5): `modelscan-guard.allow=<sha256>` (may
 * repeat) and `modelscan-guard.reason=<text>`. They only ask; whether an override is granted is the server's
 * policy (src/server/overrides.ts).
 */

export interface OverrideRequest {
  sha256: string[];
  reason?: string;
  /** Options with our prefix that were not understood: reported to the pusher, never ignored silently. */
  invalid: string[];
}

const PREFIX = 'modelscan-guard.';

export function readPushOptions(env: NodeJS.ProcessEnv): string[] {
  const count = Number(env.GIT_PUSH_OPTION_COUNT ?? '0');
  if (!Number.isSafeInteger(count) || count < 0) return [];
  const out: string[] = [];
  for (let i = 0; i < Math.min(count, 1000); i++) out.push(env[`GIT_PUSH_OPTION_${i}`] ?? '');
  return out;
}

export function parseOverrideRequest(options: readonly string[]): OverrideRequest | undefined {
  const req: OverrideRequest = { sha256: [], invalid: [] };
  let mentioned = false;
  for (const o of options) {
    if (!o.startsWith(PREFIX)) continue;
    mentioned = true;
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    const value = eq < 0 ? '' : o.slice(eq + 1);
    if (key === `${PREFIX}allow` && /^[0-9a-fA-F]{64}$/.test(value.trim())) req.sha256.push(value.trim().toLowerCase());
    else if (key === `${PREFIX}reason` && value.trim() !== '') req.reason = value.trim();
    else req.invalid.push(o);
  }
  return mentioned ? req : undefined;
}
