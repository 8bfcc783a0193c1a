/**
 * Validators of the event schemas. Unknown fields are dropped, not rejected: additive optional
 * fields are the one change allowed within v1, and older consumers must keep working.
 */
import type { z } from 'zod';
import { Notification, notificationSchema } from './notification';
import { RatedEvent, ratedEventSchema } from './rated-event';

export class EventValidationError extends Error {
  constructor(
    readonly schema: string,
    readonly issues: { path: string; message: string }[],
  ) {
    super(`invalid ${schema}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'EventValidationError';
  }
}

export type Validation<T> = { ok: true; value: T } | { ok: false; issues: { path: string; message: string }[] };

function check<T>(schema: z.ZodType<T>, input: unknown): Validation<T> {
  const r = schema.safeParse(input);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
}

export function validateRatedEvent(input: unknown): Validation<RatedEvent> {
  return check(ratedEventSchema, input);
}

export function validateNotification(input: unknown): Validation<Notification> {
  return check(notificationSchema, input);
}

/** Parses and validates; throws EventValidationError naming every bad field. */
export function parseRatedEvent(input: unknown): RatedEvent {
  const r = validateRatedEvent(input);
  if (!r.ok) throw new EventValidationError('ratel.rated.v1', r.issues);
  return r.value;
}

export function parseNotification(input: unknown): Notification {
  const r = validateNotification(input);
  if (!r.ok) throw new EventValidationError('ratel.notification.v1', r.issues);
  return r.value;
}

/** Parses one outbox entry's `data` field by its `schema`. */
export function parseOutboxData(json: string): RatedEvent | Notification {
  const value: unknown = JSON.parse(json);
  const schema = typeof value === 'object' && value !== null ? (value as { schema?: unknown }).schema : undefined;
  return schema === 'ratel.notification.v1' ? parseNotification(value) : parseRatedEvent(value);
}
