/**
 * collections: the money coming in (empty today). Payments, allocations to documents, mandates,
 * refunds and their approvals, dunning cases. Written by apps/collections only; others learn of it
 * through `ratel.collections.v1` events. Add entities here and list them in `collectionsEntities`.
 */
export const collectionsEntities = [];

/** Tables of this context written with SQL only (none yet). */
export const collectionsTables = [] as const;
