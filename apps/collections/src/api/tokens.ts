/** Injection tokens of the collections HTTP app; the process creates what they name and closes it. */
export { CLOCK, LOGGER, METRICS_REGISTRY } from '@app/observability';

/** The validated CollectionsConfig (../config.ts). */
export const COLLECTIONS_CONFIG = Symbol('COLLECTIONS_CONFIG');
/** The pg Pool of the process. */
export const PG_POOL = Symbol('PG_POOL');
