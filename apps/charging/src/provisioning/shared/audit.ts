/** One audit row per write, added to the write's own transaction (so both commit or neither). */
import type { EntityManager } from '@mikro-orm/postgresql';
import { AuditLog } from '@app/db/audit';
import type { Actor } from '../auth/actor';

export function audit(
  em: EntityManager,
  actor: Actor,
  action: string,
  entityType: string,
  entityId: string,
  details: Record<string, unknown>,
  at: Date,
): void {
  em.create(AuditLog, { actor, action, entityType, entityId, details, createdAt: at });
}
