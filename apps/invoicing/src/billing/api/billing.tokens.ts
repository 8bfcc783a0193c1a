/** Injection tokens of the billing API. */
/** The DocumentStore the rendered files are read from (render/document-store.ts). */
export const DOCUMENT_STORE = Symbol('DOCUMENT_STORE');
/** A pg Pool on the billing database. */
export const BILLING_POOL = Symbol('BILLING_POOL');
