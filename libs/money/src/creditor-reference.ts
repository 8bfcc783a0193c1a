/**
 * ISO 11649 structured creditor reference ("RF" reference): `RF` + two check digits + a reference of
 * 1-21 letters and digits, checked with ISO 7064 MOD 97-10 like an IBAN. Printed on every invoice so
 * that a bank payment quoting it can be matched to the document without a person (collections).
 */
export const CREDITOR_REFERENCE_BASE_MAX_LENGTH = 21;

const BASE_PATTERN = /^[A-Z0-9]{1,21}$/;

/** The reference as digits: letters A-Z become 10-35 (ISO 7064). */
function numeric(text: string): string {
  let out = '';
  for (const ch of text) out += ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
  return out;
}

/** The remainder of a long decimal string by 97, without big integers. */
function mod97(digits: string): number {
  let r = 0;
  for (let i = 0; i < digits.length; i += 7) r = Number(`${r}${digits.slice(i, i + 7)}`) % 97;
  return r;
}

/** The RF reference of `base` (letters and digits, upper-cased; other characters are refused). */
export function creditorReference(base: string): string {
  const b = base.toUpperCase();
  if (!BASE_PATTERN.test(b))
    throw new RangeError(
      `creditor reference: the base must be 1-${CREDITOR_REFERENCE_BASE_MAX_LENGTH} letters or digits, got ${JSON.stringify(base)}`,
    );
  const check = 98 - mod97(numeric(`${b}RF00`));
  return `RF${String(check).padStart(2, '0')}${b}`;
}

/** Whether `ref` (spaces allowed, any case) is a well-formed RF reference with the right check digits. */
export function isValidCreditorReference(ref: string): boolean {
  const r = ref.replace(/ /g, '').toUpperCase();
  if (!/^RF[0-9]{2}[A-Z0-9]{1,21}$/.test(r)) return false;
  return mod97(numeric(`${r.slice(4)}${r.slice(0, 4)}`)) === 1;
}
