export * from './money-error';
export * from './money';
export * from './rounding';
export * from './currency';
export * from './creditor-reference';
export * from './iban';
