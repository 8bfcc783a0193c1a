/**
 * What the provisioning CLIs share: their configuration (DATABASE_URL, REDIS_URL,
 * RATEL_REDIS_PREFIX, validated once), a strict argument parser, and `runCli`, which prints a
 * one-line error and exits non-zero (2 for usage or configuration errors, 1 for everything else).
 */
import { z } from 'zod';
import { chargingConfigSchema, ConfigError, loadConfig } from '@app/config';

export const cliConfigSchema = z.object({
  DATABASE_URL: z.string().url(),
  REDIS_URL: chargingConfigSchema.shape.REDIS_URL,
  RATEL_REDIS_CLUSTER: chargingConfigSchema.shape.RATEL_REDIS_CLUSTER,
  RATEL_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{0,32}$/).default('ratel:'),
  /** Only the rebuild reads it (to catch the balance journal up). */
  NATS_URL: z.string().min(1).optional(),
  RATEL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
});
export type CliConfig = z.infer<typeof cliConfigSchema>;

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function loadCliConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  return loadConfig(cliConfigSchema, env);
}

/** `--flag` and `--name value` only; anything else, or a flag not in `known`, is a UsageError. */
export function parseArgs(argv: readonly string[], known: Readonly<Record<string, 'flag' | 'value'>>): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    const kind = name === undefined ? undefined : known[name];
    if (name === undefined || kind === undefined) throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    if (out.has(name)) throw new UsageError(`--${name} given twice`);
    if (kind === 'flag') {
      out.set(name, true);
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${name} needs a value`);
    out.set(name, value);
    i++;
  }
  return out;
}

/** Runs a CLI's main; prints `<name>: <message>` and exits non-zero on error. */
export function runCli(name: string, usage: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      const usageError = err instanceof UsageError || err instanceof ConfigError;
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`${name}: ${message}\n${err instanceof UsageError ? `usage: ${usage}\n` : ''}`);
      if (!usageError && err instanceof Error && process.env.RATEL_CLI_STACK === '1') process.stderr.write(`${err.stack}\n`);
      process.exit(usageError ? EXIT_USAGE : EXIT_FAILURE);
    },
  );
}
