/**
 * The one error filter of a REST app, global (rest-app.ts installs it), so that it answers every
 * error in the documented format: those of route handlers, guards and pipes, and those fastify
 * raises before any handler runs (body parsing, unknown routes), which Nest hands to its global
 * filters. Subclasses map their domain's errors; the rest goes through `frameworkErrorOf`, and
 * anything unknown is a 500 whose details go to the log, never to the client.
 */
import { type ArgumentsHost, Catch, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@app/observability';
import { frameworkErrorOf, type RequestFacts, type RestError } from './rest-errors';

const INTERNAL_BODY = { code: 'INTERNAL', message: 'internal error; see the server log' };

function factsOf(request: FastifyRequest): RequestFacts {
  const contentType = request.headers['content-type'];
  let bodyLimitBytes: number | undefined;
  try {
    bodyLimitBytes = request.routeOptions.bodyLimit;
  } catch {
    bodyLimitBytes = undefined; // no route context (an error raised before routing)
  }
  return {
    method: request.method,
    url: request.url,
    contentType,
    bodyLimitBytes: bodyLimitBytes ?? request.server?.initialConfig.bodyLimit,
  };
}

@Catch()
export abstract class RestErrorFilter implements ExceptionFilter {
  constructor(
    protected readonly logger: Logger,
    /** Names the API in log lines ("provisioning", "invoicing api"). */
    private readonly api: string,
  ) {}

  /** Status and body of an error of this app's domain, or undefined to let the framework mapping try. */
  protected abstract domainErrorOf(err: unknown): RestError | undefined;

  catch(err: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw err;
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const mapped = this.domainErrorOf(err) ?? frameworkErrorOf(err, factsOf(http.getRequest<FastifyRequest>()));
    if (mapped === undefined) {
      this.logger.error({ err }, `${this.api}: unexpected error`);
      void reply.status(500).send(INTERNAL_BODY);
      return;
    }
    if (mapped.status >= 500) {
      this.logger.warn({ err, cause: err instanceof Error ? String(err.cause) : undefined }, `${this.api}: request failed`);
    }
    void reply.status(mapped.status).send(mapped.body);
  }
}
