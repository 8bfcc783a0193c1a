/** The random-id port: use cases ask it for new ids, so tests can make them predictable. */
import { randomBytes } from 'node:crypto';

export const ID_GENERATOR = Symbol('ID_GENERATOR');

export interface IdGenerator {
  /** A new id `<prefix>_<20 hex digits>` (80 random bits), within the account-id alphabet. */
  newId(prefix: string): string;
}

/** Random bytes per generated id. */
export const GENERATED_ID_BYTES = 10;

export const randomIdGenerator: IdGenerator = {
  newId: (prefix) => `${prefix}_${randomBytes(GENERATED_ID_BYTES).toString('hex')}`,
};
