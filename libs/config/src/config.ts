/**
 * What every app's configuration shares: the error a bad variable raises, the loader that names
 * every bad variable at once, the zod pieces for booleans and ports, and the masking of secrets in
 * the start-up log. Each app keeps its own schema (apps/<app>/src/config.ts).
 */
import { z } from 'zod';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A boolean variable: true/false or 1/0. */
export const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** A TCP port; 0 = any free port (tests). */
export const port = z.coerce.number().int().min(0).max(65535);

/** Variables whose values are never logged. */
export const SECRET_VARIABLES = new Set(['RATEL_API_KEYS', 'RATEL_JWT_SECRET', 'DATABASE_URL']);

export function loadConfig<T extends z.ZodTypeAny>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The configuration with secrets masked, for the start-up log line. */
export function redactConfig(cfg: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(cfg).map(([k, v]) => [k, SECRET_VARIABLES.has(k) && v ? '***' : v]));
}
