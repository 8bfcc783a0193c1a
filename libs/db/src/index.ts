export * from './enums';
export * from './types';
export * from './entities';
export * from './migrations';
export * from './orm-config';
export * from './migrate';
