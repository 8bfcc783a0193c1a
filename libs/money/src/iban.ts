/**
 * IBANs (ISO 13616) as payments carry them: electronic form (upper case, no spaces), the country's
 * registered length, and the check digits (mod 97 = 1). One implementation for every app: legal
 * entities' IBANs (charging), SEPA mandates and refunds (collections).
 */

/** Electronic form: country, 2 check digits, 11 to 30 alphanumerics. */
export const IBAN_PATTERN = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/;

/** IBAN lengths of the SEPA countries (SWIFT IBAN registry); other countries only get the pattern and the checksum. */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AT: 20,
  BE: 16,
  BG: 22,
  CH: 21,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  EE: 20,
  ES: 24,
  FI: 18,
  FR: 27,
  GB: 22,
  GI: 23,
  GR: 27,
  HR: 21,
  HU: 28,
  IE: 22,
  IS: 26,
  IT: 27,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MT: 31,
  NL: 18,
  NO: 15,
  PL: 28,
  PT: 25,
  RO: 24,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  VA: 22,
};

/** The ISO 13616 check: the first four characters moved to the end, letters as 10..35, the number mod 97 is 1. */
export function ibanChecksumValid(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const digits = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of digits) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

/** Why `iban` is not a valid IBAN in electronic form, or null when it is. */
export function ibanProblem(iban: string): string | null {
  if (!IBAN_PATTERN.test(iban)) return 'not an IBAN in electronic form (upper case, no spaces)';
  const length = IBAN_LENGTHS[iban.slice(0, 2)];
  if (length !== undefined && iban.length !== length) return `a ${iban.slice(0, 2)} IBAN has ${length} characters, not ${iban.length}`;
  if (!ibanChecksumValid(iban)) return 'check digits wrong (ISO 13616 mod 97)';
  return null;
}

export function isValidIban(iban: string): boolean {
  return ibanProblem(iban) === null;
}

/** For logs and answers: the country and check digits and the last 4 characters, e.g. "DE89 **** 3000". */
export function maskIban(iban: string): string {
  return iban.length <= 8 ? '****' : `${iban.slice(0, 4)} **** ${iban.slice(-4)}`;
}
