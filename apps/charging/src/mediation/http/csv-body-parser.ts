/**
 * Lets `text/csv` request bodies reach the CDR upload handler as the raw stream: fastify parses
 * JSON and text by buffering them up to its bodyLimit; a CSV body is handed over unread and the
 * upload use case streams it to disk under its own limit (CDR_FILE_MAX_BYTES). Registered once on
 * the fastify instance when the module starts; other content types are untouched.
 */
import type { FastifyInstance } from 'fastify';

export const CSV_CONTENT_TYPE = 'text/csv';

/** Registers the pass-through parser unless the host registered one for text/csv already. */
export function registerCsvBodyParser(instance: unknown): void {
  const fastify = instance as Partial<FastifyInstance> | undefined;
  if (typeof fastify?.addContentTypeParser !== 'function' || typeof fastify.hasContentTypeParser !== 'function') return; // not fastify
  if (fastify.hasContentTypeParser(CSV_CONTENT_TYPE)) return;
  fastify.addContentTypeParser(CSV_CONTENT_TYPE, (_request, payload, done) => done(null, payload));
}
