/**
 * What a payer's remittance says, read for matching: ISO 11649 RF references (structured, or typed
 * in the text, with or without the spaces of the printed form) and the words that may be document
 * numbers or account ids, which the matcher looks up. Pure.
 */
import { isValidCreditorReference } from '@app/money';

/** Most words of one remittance text looked up as document numbers or account ids. */
export const REMITTANCE_TOKENS_MAX = 64;
/** Longest word looked up (document numbers and account ids are varchar(64)). */
export const REMITTANCE_TOKEN_LENGTH_MAX = 64;

const RF_CANDIDATE = /RF[0-9]{2}(?: ?[A-Z0-9]){1,21}/g;

/** The valid RF references in `texts`, electronic form (no spaces), each once. */
export function creditorReferencesIn(texts: readonly string[]): string[] {
  const found = new Set<string>();
  for (const text of texts) {
    for (const m of text.toUpperCase().matchAll(RF_CANDIDATE)) {
      const compact = m[0].replace(/ /g, '');
      // The greedy match may run into the next word: take the longest prefix with valid check digits.
      for (let len = compact.length; len >= 5; len--) {
        if (isValidCreditorReference(compact.slice(0, len))) {
          found.add(compact.slice(0, len));
          break;
        }
      }
    }
  }
  return [...found];
}

/** The words of `texts` (split on spaces and , ; : / ( )), trimmed of final dots, each once. */
export function remittanceTokens(texts: readonly string[]): string[] {
  const out = new Set<string>();
  for (const text of texts) {
    for (const raw of text.split(/[\s,;:/()]+/)) {
      const token = raw.replace(/\.+$/, '');
      if (token.length >= 3 && token.length <= REMITTANCE_TOKEN_LENGTH_MAX) out.add(token);
      if (out.size >= REMITTANCE_TOKENS_MAX) return [...out];
    }
  }
  return [...out];
}
