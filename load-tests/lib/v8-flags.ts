/**
 * A bench of a process that runs with V8 flags of its own (COLLECTIONS_V8_FLAGS) measures with them: the bench
 * runs itself again with the flags unless it has them already, or keeps node's defaults with `--v8-flags none`.
 */
import { spawnSync } from 'node:child_process';
import type { Args } from './args';

/**
 * Returns in the process that runs as chosen (`--v8-flags <owner>|none`, `owner` by default: the process whose
 * flags they are); otherwise runs this script again with `flags` before its own node options and exits with that
 * run's status.
 */
export function runWithV8Flags(args: Args, owner: string, flags: readonly string[]): void {
  const choice = args.str('v8-flags', owner);
  if (choice !== owner && choice !== 'none') throw new Error(`--v8-flags ${owner}|none, not ${choice}`);
  if (choice === owner && !flags.every((f) => process.execArgv.includes(f))) {
    const child = spawnSync(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(child.status ?? 1);
  }
  console.log(`node's V8 flags: ${process.execArgv.filter((a) => flags.includes(a)).join(' ') || 'defaults'}`);
}
