/**
 * Nest's logger on our pino logger: what Nest itself reports (module init, listen errors) comes out as
 * JSON lines like the rest of the process, never as Nest's coloured console text. Imported as
 * `@app/runtime/nest-logger` so the plain workers do not load @nestjs/common.
 */
import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@app/observability';

type Level = 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal';

export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes the context (a class name) last; error() may pass a stack before it. */
  private write(level: Level, message: unknown, params: unknown[]): void {
    const context = typeof params[params.length - 1] === 'string' ? (params[params.length - 1] as string) : undefined;
    if (message instanceof Error) this.logger[level]({ err: message, context }, message.message);
    else if (typeof message === 'string') this.logger[level]({ context }, message);
    else this.logger[level]({ context, detail: message }, 'nest');
  }
}
