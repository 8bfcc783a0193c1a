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

/** Longest timeout of a call to the card gateway or to charging. */
export const CARD_GATEWAY_TIMEOUT_MAX_MS = 120_000;
/** Variables never printed, beyond the shared ones (@app/config SECRET_VARIABLES). */
export const COLLECTIONS_SECRET_VARIABLES: readonly string[] = ['CARD_GATEWAY_API_KEY', 'CARD_WEBHOOK_SECRET', 'CHARGING_API_KEY'];

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
  /** The card gateway (src/card/): its base URL and API key (secret). Unset: the card routes answer 503. */
  CARD_GATEWAY_URL: z.string().url().optional(),
  CARD_GATEWAY_API_KEY: z.string().min(1).optional(),
  /** Bound of one gateway call; no answer leaves the card payment PENDING for the reconciler. */
  CARD_GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(100).max(CARD_GATEWAY_TIMEOUT_MAX_MS).default(10_000),
  /** Shared secret of the gateway's webhook signatures (secret). Unset: webhooks answer 503. */
  CARD_WEBHOOK_SECRET: z.string().min(16).optional(),
  /** Every how often PENDING card payments (and top-ups not yet confirmed by charging) are synced; 0 = never. */
  CARD_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  /** A folder of bank statement files to import (payments/statement-folder.ts); unset: no watched folder. */
  STATEMENT_WATCH_DIR: z.string().min(1).optional(),
  STATEMENT_WATCH_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** How often account credit is applied to open documents by itself (apply-credit.ts); 0 turns it off. */
  CREDIT_APPLY_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  /** A card payment untouched this long is synced by the reconciler (webhooks usually come first). */
  CARD_RECONCILE_MIN_AGE_MS: z.coerce.number().int().min(0).max(86_400_000).default(30_000),
  /** Charging's provisioning API, for prepaid top-ups paid by card and for dunning's bars: base URL and an API key with the write role (secret). */
  CHARGING_API_URL: z.string().url().optional(),
  CHARGING_API_KEY: z.string().min(1).optional(),
  CHARGING_API_TIMEOUT_MS: z.coerce.number().int().min(100).max(CARD_GATEWAY_TIMEOUT_MAX_MS).default(10_000),
  /** Refund circuit breakers (src/refunds/circuit-breakers.ts): a refund above this percent of the account's six-month average receipt is held. */
  REFUND_AVERAGE_LIMIT_PERCENT: z.coerce.number().int().min(100).max(100_000).default(200),
  /** Refunds released per currency and UTC day, in minor units; one that would pass it is held. */
  REFUND_DAILY_CAP_MINOR: z.coerce.number().int().min(1).max(1_000_000_000_000).default(1_000_000),
  /** A direct-debit payment can be taken back by the debtor's bank this many days after its value date (SEPA Core: 8 weeks). */
  REFUND_DIRECT_DEBIT_SETTLEMENT_DAYS: z.coerce.number().int().min(0).max(400).default(56),
  /** Card refunds are held while the gateway's errors among the calls of the last REFUND_GATEWAY_WINDOW_MS pass this percent. */
  REFUND_GATEWAY_ERROR_RATE_PERCENT: z.coerce.number().int().min(0).max(100).default(20),
  REFUND_GATEWAY_WINDOW_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(300_000),
  /** NATS JetStream: the `ratel.collections.v1` events of collections_outbox are relayed to the RATEL_COLLECTIONS stream. Unset: they wait in the outbox. */
  NATS_URL: z.string().min(1).optional(),
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
  assertPairs(c);
  return c;
}

/** A URL without its key (or the reverse) is a half-done configuration: refused at start. */
export function assertPairs(c: CollectionsConfig): void {
  if ((c.CARD_GATEWAY_URL === undefined) !== (c.CARD_GATEWAY_API_KEY === undefined))
    throw new ConfigError('invalid collections configuration: CARD_GATEWAY_URL/CARD_GATEWAY_API_KEY: set both or neither');
  if ((c.CHARGING_API_URL === undefined) !== (c.CHARGING_API_KEY === undefined))
    throw new ConfigError('invalid collections configuration: CHARGING_API_URL/CHARGING_API_KEY: set both or neither');
}

/** The configuration as it may be logged. */
export function printableConfig(c: CollectionsConfig): Record<string, unknown> {
  const out = redactConfig(c);
  for (const k of COLLECTIONS_SECRET_VARIABLES) if (out[k] !== undefined) out[k] = '***';
  return out;
}
