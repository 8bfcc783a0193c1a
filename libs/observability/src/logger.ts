/** Structured JSON logs (pino). */
import pino, { Logger } from 'pino';

export const LOGGER = Symbol('LOGGER');

export function createLogger(app: string, level = process.env.RATEL_LOG_LEVEL ?? 'info'): Logger {
  return pino({ name: app, level, base: { app } });
}

export type { Logger };
