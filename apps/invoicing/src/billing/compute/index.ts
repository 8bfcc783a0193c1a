export * from './compute-error';
export * from './compute-types';
export * from './compute-invoice-draft';
export * from './tax-rates';
export type { LocalDate } from './local-date';
export * from './validate-input';
