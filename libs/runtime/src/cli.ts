/**
 * What the operator CLI (`ratel <command>`, scripts/ratel.ts) and the apps that register its
 * commands share: the exit codes, the usage error an action throws, and the run of a commander
 * program that turns every outcome into one of those codes.
 *
 * Exit codes: 0 done; 1 failure (a server unreachable, a bound exceeded, anything unexpected);
 * 2 bad usage or configuration (commander's own usage errors included, which it would exit 1).
 * A command with a result of its own (assurance: 3 = differences found) sets `process.exitCode`.
 */
import { CommanderError, type Command } from 'commander';
import { ConfigError } from '@app/config';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Bad arguments found by an action (a combination of options commander cannot check). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliOutput {
  writeErr(text: string): void;
}

/** The exit code of an error that ended a command. Pure. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  if (err instanceof UsageError || err instanceof ConfigError) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** `ratel seed`, `ratel cdr ingest`: the command's full name, for error lines. */
function commandPath(c: Command): string {
  const names: string[] = [];
  for (let at: Command | null = c; at !== null; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/**
 * Parses `argv` (the user's arguments, without node and the script) and runs the chosen action.
 * Commander prints its own usage errors and help; other errors are printed here as one line
 * `<command>: <message>` (with the stack when RATEL_CLI_STACK=1). Returns the exit code.
 */
export async function runCommandLine(program: Command, argv: readonly string[], out: CliOutput): Promise<number> {
  let running = program;
  overrideExits(program);
  program.hook('preAction', (_root, action) => {
    running = action;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return exitCodeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    const hint = err instanceof UsageError ? `\nsee: ${commandPath(running)} --help` : '';
    out.writeErr(`${commandPath(running)}: ${message}${hint}\n`);
    if (exitCodeOf(err) === EXIT_FAILURE && err instanceof Error && process.env.RATEL_CLI_STACK === '1') {
      out.writeErr(`${err.stack}\n`);
    }
    return exitCodeOf(err);
  }
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
}

/** Applies `exitOverride` to every subcommand too: their usage errors must reach runCommandLine. */
export function overrideExits(program: Command): void {
  program.exitOverride();
  for (const c of program.commands) overrideExits(c);
}
