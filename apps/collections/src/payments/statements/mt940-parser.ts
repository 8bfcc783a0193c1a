/**
 * SWIFT MT940 customer statements read as a stream of lines (`mt940js`, the package the issue names,
 * is not installed; this covers the fields a payment needs). Fields start with `:tag:` and may
 * continue on the next lines; a statement ends with `-`.
 *
 *   :25:  the account (the payment's source)        :60F:/:60M: opening balance (its currency)
 *   :61:  a statement line: YYMMDD[MMDD] C|D|RC|RD [funds code] amount(,) type customer-ref[//bank-ref]
 *   :86:  the information of the line before (remittance; `?20`..`?29` subfields joined when present)
 *
 * Credits become payments; debits and reversals are skipped. A line that breaks the format is
 * rejected with its line number and the reason, and the next one is read.
 */
import { minorAmountOf } from './amount';
import { BANK_REFERENCE_MAX_LENGTH, REMITTANCE_INFO_MAX_LENGTH, SOURCE_MAX_LENGTH, type StatementItem } from './statement-types';

/** Longest line kept; a longer one is refused. */
export const MT940_LINE_CHARS_MAX = 2_000;

const FIELD = /^:([0-9]{2}[A-Z]?):(.*)$/;
const LINE_61 = /^(\d{2})(\d{2})(\d{2})(\d{4})?(RC|RD|C|D)([A-Z])?(\d{1,15},\d{0,3})([SNF][A-Z0-9]{3})([^/]{1,16}?)(?:\/\/(.{1,16}))?$/;
const BALANCE = /^[CD]\d{6}([A-Z]{3})\d{1,15},\d{0,3}$/;

interface Field {
  tag: string;
  value: string;
  line: number;
}

export class Mt940StreamParser {
  readonly format = 'MT940' as const;
  private rest = '';
  private lineNo = 0;
  private field: Field | undefined;
  private account: string | undefined;
  private currency: string | undefined;
  private pending: { f: Field; info?: Field } | undefined;
  private items: StatementItem[] = [];

  write(chunk: string): StatementItem[] {
    const lines = (this.rest + chunk).split(/\r?\n/);
    this.rest = lines.pop() ?? '';
    for (const l of lines) this.onLine(l);
    return this.take();
  }

  end(): StatementItem[] {
    if (this.rest !== '') this.onLine(this.rest);
    this.rest = '';
    this.closeField();
    this.flush();
    return this.take();
  }

  private take(): StatementItem[] {
    const out = this.items;
    this.items = [];
    return out;
  }

  private onLine(text: string): void {
    this.lineNo++;
    if (text.length > MT940_LINE_CHARS_MAX)
      return void this.items.push({ kind: 'rejected', line: this.lineNo, reason: `a line longer than ${MT940_LINE_CHARS_MAX} characters` });
    const m = FIELD.exec(text);
    if (m !== null) {
      this.closeField();
      this.field = { tag: m[1], value: m[2], line: this.lineNo };
    } else if (text.trim() === '-' || text.startsWith('{') || text.trim() === '') {
      this.closeField();
      if (text.trim() === '-') this.flush();
    } else if (this.field !== undefined) {
      this.field.value += `\n${text}`;
    } else {
      this.items.push({ kind: 'rejected', line: this.lineNo, reason: 'text outside a field (expected :tag:)' });
    }
  }

  private closeField(): void {
    const f = this.field;
    this.field = undefined;
    if (f === undefined) return;
    if (f.tag === '25') this.account = f.value.trim();
    else if (f.tag === '60F' || f.tag === '60M') this.currency = BALANCE.exec(f.value.trim())?.[1];
    else if (f.tag === '61') {
      this.flush();
      this.pending = { f };
    } else if (f.tag === '86' && this.pending !== undefined && this.pending.info === undefined) this.pending.info = f;
    else if (f.tag.startsWith('62') || f.tag === '20') this.flush();
  }

  private flush(): void {
    const p = this.pending;
    this.pending = undefined;
    if (p !== undefined) this.items.push(this.lineItem(p.f, p.info));
  }

  private lineItem(f: Field, info: Field | undefined): StatementItem {
    const reject = (reason: string): StatementItem => ({ kind: 'rejected', element: ':61:', line: f.line, reason });
    const [first] = f.value.split('\n');
    const m = LINE_61.exec(first.trim());
    if (m === null) return reject('not a statement line: YYMMDD[MMDD] C|D|RC|RD [funds code] amount type reference[//bank reference]');
    const [, yy, mm, dd, , mark, , amountText, , customerRef, bankRef] = m;
    const valueDate = `20${yy}-${mm}-${dd}`;
    const ms = Date.parse(`${valueDate}T00:00:00Z`);
    if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== valueDate)
      return reject(`value date ${yy}${mm}${dd} is not a date`);
    if (mark !== 'C')
      return {
        kind: 'skipped',
        element: ':61:',
        line: f.line,
        reason: mark === 'D' ? 'a debit: not a payment received' : 'a reversal: returns are not imported yet',
      };
    if (this.account === undefined || this.account === '') return reject('no :25: account before the line');
    if (this.account.length > SOURCE_MAX_LENGTH) return reject(`the :25: account is longer than ${SOURCE_MAX_LENGTH} characters`);
    if (this.currency === undefined) return reject('no :60F:/:60M: opening balance with the currency before the line');
    const amount = minorAmountOf(amountText, this.currency, ',');
    if (typeof amount === 'string') return reject(`amount: ${amount}`);
    if (amount <= 0n) return reject('amount: must be greater than zero');
    const reference = bankRef?.trim() || (customerRef.trim() === 'NONREF' ? '' : customerRef.trim());
    if (reference === '') return reject("no bank reference (//...) nor customer reference: the reference is the payment's idempotency key");
    if (reference.length > BANK_REFERENCE_MAX_LENGTH) return reject('reference too long');
    const remittanceInfo = infoText(info?.value ?? '');
    if (remittanceInfo.length > REMITTANCE_INFO_MAX_LENGTH)
      return {
        kind: 'rejected',
        element: ':86:',
        line: info!.line,
        reason: `remittance text longer than ${REMITTANCE_INFO_MAX_LENGTH} characters`,
      };
    return {
      kind: 'payment',
      element: ':61:',
      line: f.line,
      channel: 'BANK_TRANSFER',
      source: this.account,
      bankReference: reference,
      currency: this.currency,
      amountMinor: amount,
      valueDate,
      bookingDate: null,
      endToEndId: null,
      creditorReferences: [],
      remittanceInfo,
      debtorName: null,
    };
  }
}

/** The :86: text: the ?20-?29 subfields joined when the bank structures it, else the lines joined. */
function infoText(value: string): string {
  const flat = value.replace(/\n/g, '');
  if (!/\?2\d/.test(flat))
    return value
      .split('\n')
      .map((l) => l.trim())
      .join(' ')
      .trim();
  const parts = [...flat.matchAll(/\?(\d{2})([^?]*)/g)].filter((p) => p[1] >= '20' && p[1] <= '29').map((p) => p[2]);
  return parts.join('').trim();
}
