/**
 * audit: who changed what, when. Append-only, one row per write in the transaction of that write.
 * Its own context rather than part of core because every app writes it (provisioning today, invoice
 * review and refund approvals next); rows are never updated, and no app reads another's to decide.
 */
import { AuditLog } from './audit-log.entity';

export { AuditLog };

export const auditEntities = [AuditLog];
