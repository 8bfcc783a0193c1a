/**
 * Configuration of the collections process, read once at start: a missing or malformed variable
 * stops it with a message naming the variable (ConfigError, exit 2). Secrets (API keys, JWT secret,
 * the database URL) are never printed.
 */
import { type AuthConfig, authConfigShape, hasCredentials } from '@app/auth';
import { ConfigError, loadConfig, port, redactConfig } from '@app/config';
import { z } from 'zod';
import { isValidIban } from '@app/money';
import { accountMap } from './erp/journal-export';

/** Most PostgreSQL connections of the process. */
export const COLLECTIONS_POOL_MAX_LIMIT = 64;

export const collectionsConfigSchema = z.object({
  /** PostgreSQL: payments, allocations, imports; billing documents and the ledger. */
  DATABASE_URL: z.string().url(),
  COLLECTIONS_POOL_MAX: z.coerce.number().int().min(1).max(COLLECTIONS_POOL_MAX_LIMIT).default(8),
  /** The REST API with /openapi.json, /metrics, /healthz and /readyz. Port 0 = any (tests). */
  COLLECTIONS_HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  COLLECTIONS_HTTP_PORT: port.default(8083),
  /** SEPA direct debit: the creditor (the operator) of the pain.008 files. Runs are refused until IBAN and creditor id are set. */
  DD_CREDITOR_NAME: z.string().min(1).max(70).default('Ratel'),
  DD_CREDITOR_IBAN: z
    .string()
    .optional()
    .refine((v) => v === undefined || isValidIban(v), 'not a valid IBAN (electronic form, mod 97)'),
  DD_CREDITOR_BIC: z
    .string()
    .regex(/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/)
    .optional(),
  /** SEPA creditor identifier, e.g. DE98ZZZ09999999999. */
  DD_CREDITOR_ID: z
    .string()
    .regex(/^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Za-z0-9]{1,28}$/)
    .optional(),
  /** Dunning bars and unbars through charging's provisioning API (role write); without them the bar steps fail and are retried. */
  CHARGING_URL: z.string().url().optional(),
  CHARGING_API_KEY: z.string().min(1).optional(),
  /** ERP export: JSON object of ledger account code -> GL account, over ERP_ACCOUNT_MAP_DEFAULT (src/erp/journal-export.ts). */
  ERP_ACCOUNT_MAP: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      try {
        accountMap(v);
      } catch (e) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
      }
    }),
  /** RATEL_API_KEYS (keys and their roles), RATEL_JWT_SECRET, RATEL_JWT_JWKS_URL, RATEL_JWT_ISSUER, RATEL_JWT_AUDIENCE. */
  ...authConfigShape,
});

export type CollectionsConfig = z.infer<typeof collectionsConfigSchema>;

/** Throws ConfigError unless some API credential is configured: the API is never anonymous. */
export function assertApiCredentials(c: AuthConfig): void {
  if (!hasCredentials(c)) {
    throw new ConfigError('invalid collections configuration: RATEL_API_KEYS/RATEL_JWT_SECRET/RATEL_JWT_JWKS_URL: set at least one');
  }
}

/** The configuration of the process (main.ts): API credentials required. */
export function loadCollectionsConfig(env: NodeJS.ProcessEnv): CollectionsConfig {
  const c = loadConfig(collectionsConfigSchema, env);
  assertApiCredentials(c);
  return c;
}

/** The configuration as it may be logged. */
export function printableConfig(c: CollectionsConfig): Record<string, unknown> {
  return redactConfig(c);
}
