/**
 * Loads the balance engine's Lua scripts (`lua/<verbNoun>-<numKeys>.lua`), inlines their
 * `--- @include "<name>"` lines from `lua/includes/` (each include once, in order of first use)
 * and registers them on an ioredis client with defineCommand as `<verbNoun>_v<version>`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Redis from 'ioredis';

/** Version of each script's contract (KEYS, ARGV, reply). Bump it when the contract changes. */
export const SCRIPT_VERSIONS = {
  chargeSession: 1,
  eventCharge: 1,
  expireReservation: 1,
  topUp: 1,
  upsertAccount: 1,
  grantBucket: 1,
  setStatus: 1,
} as const;

export type ScriptName = keyof typeof SCRIPT_VERSIONS;

export interface LoadedScript {
  name: ScriptName;
  /** The name it is registered under, e.g. `chargeSession_v1`. */
  command: string;
  numberOfKeys: number;
  lua: string;
}

const SCRIPT_FILE = /^([a-z][A-Za-z]*)-(\d+)\.lua$/;
const INCLUDE_LINE = /^--- @include "([A-Za-z0-9_-]+)"\s*$/;

/**
 * Where the .lua files are: beside this module (source tree, or a build that copied them as
 * assets), else under the working directory's source tree.
 */
export function findLuaDir(): string {
  const candidates = [join(__dirname, 'lua'), join(process.cwd(), 'apps/charging/src/balance/lua')];
  const found = candidates.find((d) => existsSync(join(d, 'includes')));
  if (!found) throw new Error(`balance engine Lua scripts not found in ${candidates.join(' or ')}`);
  return found;
}

/** Replaces include lines by the included files, recursively, each include once. */
export function resolveIncludes(source: string, readInclude: (name: string) => string, seen = new Set<string>()): string {
  return source
    .split('\n')
    .map((line) => {
      const m = INCLUDE_LINE.exec(line);
      if (!m) return line;
      if (seen.has(m[1])) return `-- (include "${m[1]}" already inlined)`;
      seen.add(m[1]);
      return resolveIncludes(readInclude(m[1]), readInclude, seen);
    })
    .join('\n');
}

export function loadScripts(dir = findLuaDir()): LoadedScript[] {
  const readInclude = (name: string) => readFileSync(join(dir, 'includes', `${name}.lua`), 'utf8');
  const scripts: LoadedScript[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = SCRIPT_FILE.exec(file);
    if (!m) continue;
    const name = m[1] as ScriptName;
    if (!(name in SCRIPT_VERSIONS)) throw new Error(`lua/${file}: no version in SCRIPT_VERSIONS`);
    const lua = resolveIncludes(readFileSync(join(dir, file), 'utf8'), readInclude);
    scripts.push({ name, command: `${name}_v${SCRIPT_VERSIONS[name]}`, numberOfKeys: Number(m[2]), lua });
  }
  const missing = Object.keys(SCRIPT_VERSIONS).filter((n) => !scripts.some((s) => s.name === n));
  if (missing.length > 0) throw new Error(`lua scripts missing: ${missing.join(', ')}`);
  return scripts;
}

let cached: LoadedScript[] | undefined;

/** Defines every script on the client (idempotent) and returns them by name. */
export function defineScripts(redis: Redis): Map<ScriptName, LoadedScript> {
  cached ??= loadScripts();
  for (const s of cached) redis.defineCommand(s.command, { numberOfKeys: s.numberOfKeys, lua: s.lua });
  return new Map(cached.map((s) => [s.name, s]));
}
