/**
 * ISO 20022 camt.053 (BankToCustomerStatement) and camt.054 (BankToCustomerDebitCreditNotification)
 * read as a stream: the file goes through the XML tokenizer chunk by chunk, and each <Ntry> is
 * turned into items as soon as it closes, so memory holds one entry, never the file.
 *
 * An entry is one payment, or, when it is a batch (several <TxDtls>), one payment per transaction.
 * Credits that are booked become payments; debits, pending or informational entries and reversals
 * are skipped with the reason (returns are a later step). An entry that breaks a rule is rejected
 * with its element path and line, and the next entry is read: good entries of the same file still go
 * in. A file that is not well-formed XML stops at the error, after the entries before it.
 *
 * Versions: the element names used here are the same from camt.05x.001.02 to .001.08, with the two
 * differences handled (the status <Sts> as a code or as <Sts><Cd>, the batch amount under
 * <AmtDtls><TxAmt><Amt> or <Amt>).
 */
import { minorAmountOf } from './amount';
import {
  BANK_REFERENCE_MAX_LENGTH,
  SOURCE_MAX_LENGTH,
  REMITTANCE_INFO_MAX_LENGTH,
  type ReceivedPayment,
  type StatementFormat,
  type StatementItem,
} from './statement-types';
import { NO_ATTRIBUTES, XmlStreamTokenizer, XmlSyntaxError } from './xml-stream';

/** Most elements in one captured entry before it is refused (a runaway batch). */
export const CAMT_ENTRY_ELEMENTS_MAX = 20_000;

/** Most released nodes kept for reuse (an entry has a few dozen elements; a runaway batch entry's are dropped). */
const CAMT_FREE_NODES_MAX = 256;

interface Node {
  name: string;
  attributes: Readonly<Record<string, string>>;
  children: Node[];
  text: string;
  line: number;
}

const ROOTS: Readonly<Record<string, StatementFormat>> = { BkToCstmrStmt: 'CAMT_053', BkToCstmrDbtCdtNtfctn: 'CAMT_054' };
/** The report element of each format (a statement, a notification). */
const REPORTS = new Set(['Stmt', 'Ntfctn']);

class EntryRejected extends Error {
  constructor(
    readonly element: string,
    readonly line: number,
    reason: string,
  ) {
    super(reason);
  }
}

/** An element's place in a path: its name, with its index among its parent's children of that name when it is not the first (and always for reports, entries and transactions). Pure. */
function segment(name: string, index: number): string {
  return index > 1 || name === 'Ntry' || REPORTS.has(name) || name === 'TxDtls' ? `${name}[${index}]` : name;
}

/** How many children of `parent` are named `name`. Pure. */
function sameNamed(parent: Node, name: string): number {
  let n = 0;
  for (const c of parent.children) if (c.name === name) n++;
  return n;
}

function child(n: Node | undefined, name: string): Node | undefined {
  if (n === undefined) return undefined;
  for (const c of n.children) if (c.name === name) return c;
  return undefined;
}
const children = (n: Node | undefined, name: string): Node[] => n?.children.filter((c) => c.name === name) ?? [];
function at(n: Node | undefined, ...path: string[]): Node | undefined {
  for (let i = 0; i < path.length && n !== undefined; i++) n = child(n, path[i]);
  return n;
}
const textAt = (n: Node | undefined, ...path: string[]): string | undefined => at(n, ...path)?.text.trim();

/** Builds the items of a camt file as its chunks arrive (see the file header). */
export class CamtStreamParser {
  private readonly tokenizer: XmlStreamTokenizer;
  private readonly path: string[] = [];
  /** The element names of `path`, without their [index]. */
  private readonly names: string[] = [];
  /** Per open element, how many children of each name it had so far (made at its first child: most elements have none). */
  private readonly siblings: (Map<string, number> | undefined)[] = [undefined];
  private capture: Node[] = [];
  /** Nodes of entries already read, reused for the next entries' elements instead of new objects and arrays. */
  private readonly free: Node[] = [];
  private captured = 0;
  private source: string | undefined;
  private items: StatementItem[] = [];
  /** The format, known once the root's child is read. */
  format: StatementFormat | undefined;
  /** True once the file was refused as a whole: nothing more is read. */
  failed = false;

  constructor() {
    this.tokenizer = new XmlStreamTokenizer({
      open: (name, attributes, line) => this.open(name, attributes, line),
      text: (text) => {
        const top = this.capture[this.capture.length - 1];
        if (top !== undefined) top.text += text;
      },
      close: (name) => this.close(name),
    });
  }

  /** Feeds a chunk; returns the items completed by it. */
  write(chunk: string): StatementItem[] {
    if (this.failed) return [];
    return this.guard(() => this.tokenizer.write(chunk));
  }

  /** The end of the file; returns the last items (a file-level rejection when it is incomplete). */
  end(): StatementItem[] {
    if (this.failed) return [];
    return this.guard(() => this.tokenizer.end());
  }

  private guard(step: () => void): StatementItem[] {
    try {
      step();
    } catch (e) {
      if (e instanceof XmlSyntaxError)
        this.items.push({
          kind: 'rejected',
          line: e.line,
          element: this.where(),
          reason: `not well-formed XML: ${e.message}`,
          wholeFile: true,
        });
      else if (e instanceof EntryRejected)
        this.items.push({ kind: 'rejected', line: e.line, element: e.element, reason: e.message, wholeFile: true });
      else throw e;
      this.failed = true;
    }
    const out = this.items;
    this.items = [];
    return out;
  }

  /**
   * The element path where the parser is, `Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/...` (an element's
   * index when it is not its parent's first of that name, and always for reports, entries and
   * transactions). Inside a captured entry the path is not kept as the parser goes; it is rebuilt here
   * from the captured nodes, the only place it is needed (a rejection).
   */
  private where(): string {
    const captured = this.capture.slice(1).map((node, i) => segment(node.name, sameNamed(this.capture[i], node.name)));
    return [...this.path, ...captured].join('/');
  }

  private open(name: string, attributes: Readonly<Record<string, string>>, line: number): void {
    const top = this.capture[this.capture.length - 1];
    if (top !== undefined) {
      // Inside an entry: only the captured tree is kept (where() rebuilds the path from it).
      if (++this.captured > CAMT_ENTRY_ELEMENTS_MAX)
        throw new EntryRejected(
          `${this.where()}/${segment(name, sameNamed(top, name) + 1)}`,
          line,
          `an entry with more than ${CAMT_ENTRY_ELEMENTS_MAX} elements`,
        );
      const node = this.node(name, attributes, line);
      top.children.push(node);
      this.capture.push(node);
      return;
    }
    const depth = this.siblings.length - 1;
    const seen = (this.siblings[depth] ??= new Map());
    const index = (seen.get(name) ?? 0) + 1;
    seen.set(name, index);
    this.siblings.push(undefined);
    this.path.push(segment(name, index));
    this.names.push(name);
    this.checkStructure(name, line);
    const parent = this.names.length >= 2 ? this.names[this.names.length - 2] : '';
    if ((name === 'Ntry' || name === 'Acct') && REPORTS.has(parent)) {
      this.captured = 1;
      this.capture.push(this.node(name, attributes, line));
    }
  }

  /** A captured element's node: one released by an entry read before, or a new one. */
  private node(name: string, attributes: Readonly<Record<string, string>>, line: number): Node {
    const n = this.free.pop();
    if (n === undefined) return { name, attributes, children: [], text: '', line };
    n.name = name;
    n.attributes = attributes;
    n.text = '';
    n.line = line;
    return n;
  }

  /** The nodes of an entry read (its items hold none of them: only their strings), kept for the next entries. */
  private release(n: Node): void {
    // Emptied by pop, not by setting the length (a runtime call each time).
    for (let c = n.children.pop(); c !== undefined; c = n.children.pop()) this.release(c);
    n.attributes = NO_ATTRIBUTES; // the tokenizer's shared empty attributes
    n.text = '';
    if (this.free.length < CAMT_FREE_NODES_MAX) this.free.push(n);
  }

  /** Document, then BkToCstmrStmt or BkToCstmrDbtCdtNtfctn: anything else is not a camt.053/054 file. */
  private checkStructure(name: string, line: number): void {
    if (this.path.length === 1 && name !== 'Document') throw new EntryRejected(this.where(), line, `the root is <${name}>, not <Document>`);
    if (this.path.length === 2) {
      this.format = ROOTS[name];
      if (this.format === undefined)
        throw new EntryRejected(this.where(), line, `<${name}> is neither BkToCstmrStmt (camt.053) nor BkToCstmrDbtCdtNtfctn (camt.054)`);
    }
  }

  private close(name: string): void {
    const node = this.capture.pop();
    if (node !== undefined && this.capture.length > 0) {
      // Inside an entry (its path was not kept).
      if (REPORTS.has(name)) this.source = undefined;
      return;
    }
    if (node !== undefined) {
      this.captured = 0;
      if (name === 'Acct') this.source = accountIdOf(node);
      else this.items.push(...this.entry(node, this.where()));
      this.release(node);
    }
    if (REPORTS.has(name)) this.source = undefined;
    this.path.pop();
    this.names.pop();
    this.siblings.pop();
  }

  private entry(ntry: Node, element: string): StatementItem[] {
    try {
      return entryItems(ntry, element, this.source);
    } catch (e) {
      if (!(e instanceof EntryRejected)) throw e;
      return [{ kind: 'rejected', element: e.element, line: e.line, reason: e.message }];
    }
  }
}

function accountIdOf(acct: Node): string | undefined {
  return textAt(acct, 'Id', 'IBAN') ?? textAt(acct, 'Id', 'Othr', 'Id');
}

function required(n: Node, element: string, ...path: string[]): { text: string; node: Node } {
  const found = at(n, ...path);
  const text = found?.text.trim() ?? '';
  if (found === undefined || text === '')
    throw new EntryRejected(`${element}/${path.join('/')}`, found?.line ?? n.line, `${path.join('/')} is missing`);
  return { text, node: found };
}

/** The last date text found valid (a statement's entries mostly share their dates: each is checked once). */
let lastValidDate: string | undefined;

function dateOf(n: Node, element: string, name: 'ValDt' | 'BookgDt'): string | undefined {
  const d = at(n, name);
  if (d === undefined) return undefined;
  const text = textAt(d, 'Dt') ?? textAt(d, 'DtTm')?.slice(0, 10) ?? '';
  if (text === lastValidDate) return text;
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) {
    throw new EntryRejected(`${element}/${name}`, d.line, `${name}: ${JSON.stringify(text.slice(0, 30))} is not a date YYYY-MM-DD`);
  }
  lastValidDate = text;
  return text;
}

function amountOf(amt: Node, element: string): { currency: string; minor: bigint } {
  const currency = amt.attributes.Ccy ?? '';
  const minor = minorAmountOf(amt.text, currency, '.');
  if (typeof minor === 'string') throw new EntryRejected(element, amt.line, `amount: ${minor}`);
  if (minor <= 0n) throw new EntryRejected(element, amt.line, 'amount: must be greater than zero');
  return { currency, minor };
}

/** The items of one <Ntry>: skipped, one payment, or one per transaction of a batch. */
function entryItems(ntry: Node, element: string, source: string | undefined): StatementItem[] {
  const skip = (reason: string): StatementItem[] => [{ kind: 'skipped', element, line: ntry.line, reason }];
  const status = textAt(ntry, 'Sts', 'Cd') ?? textAt(ntry, 'Sts');
  const direction = required(ntry, element, 'CdtDbtInd').text;
  if (direction !== 'CRDT' && direction !== 'DBIT')
    throw new EntryRejected(
      `${element}/CdtDbtInd`,
      ntry.line,
      `CdtDbtInd: ${JSON.stringify(direction.slice(0, 10))} is neither CRDT nor DBIT`,
    );
  const entryAmount = amountOf(required(ntry, element, 'Amt').node, `${element}/Amt`);
  if (status !== 'BOOK') return skip(`status ${status ?? '(none)'}: only booked entries are payments`);
  if (direction === 'DBIT') return skip('a debit: not a payment received');
  if (textAt(ntry, 'RvslInd') === 'true') return skip('a reversal: returns are not imported yet');
  if (source === undefined) throw new EntryRejected(element, ntry.line, 'the statement has no account (Acct/Id/IBAN or Acct/Id/Othr/Id)');
  if (source.length > SOURCE_MAX_LENGTH)
    throw new EntryRejected(element, ntry.line, `the statement's account id is longer than ${SOURCE_MAX_LENGTH} characters`);
  const valueDate = dateOf(ntry, element, 'ValDt');
  const bookingDate = dateOf(ntry, element, 'BookgDt') ?? null;
  if (valueDate === undefined) throw new EntryRejected(`${element}/ValDt`, ntry.line, 'ValDt is missing');
  const txs = at(ntry, 'NtryDtls') === undefined ? [] : children(ntry, 'NtryDtls').flatMap((d) => children(d, 'TxDtls'));
  const entryRef = textAt(ntry, 'AcctSvcrRef');
  const base = { kind: 'payment' as const, channel: 'BANK_TRANSFER' as const, source, valueDate, bookingDate };
  // A payment is built as ONE literal naming every field, never as `{ ...base, ...details, ... }`: in node 20's V8
  // an object spread followed by more properties costs 5-11 µs an object (a spread first, then new properties,
  // takes a slow path), half of the parser's time per entry (RESULTS.md, matching: object spreads).
  if (txs.length <= 1) {
    const tx = txs[0];
    const bankReference = entryRef ?? textAt(tx, 'Refs', 'AcctSvcrRef');
    if (bankReference === undefined || bankReference === '') {
      throw new EntryRejected(
        `${element}/AcctSvcrRef`,
        ntry.line,
        "AcctSvcrRef is missing: the bank's reference is the payment's idempotency key",
      );
    }
    const d = details(tx, element, ntry.line);
    return [
      {
        kind: base.kind,
        channel: base.channel,
        source: base.source,
        valueDate: base.valueDate,
        bookingDate: base.bookingDate,
        element: d.element,
        line: d.line,
        endToEndId: d.endToEndId,
        creditorReferences: d.creditorReferences,
        remittanceInfo: d.remittanceInfo,
        debtorName: d.debtorName,
        bankReference: checkedReference(bankReference, element, ntry.line),
        currency: entryAmount.currency,
        amountMinor: entryAmount.minor,
      },
    ];
  }
  return batchItems(ntry, element, txs, entryRef, entryAmount, base);
}

function batchItems(
  ntry: Node,
  element: string,
  txs: Node[],
  entryRef: string | undefined,
  entryAmount: { currency: string; minor: bigint },
  base: Pick<ReceivedPayment, 'kind' | 'channel' | 'source' | 'valueDate' | 'bookingDate'>,
): StatementItem[] {
  const out: ReceivedPayment[] = [];
  txs.forEach((tx, i) => {
    const txElement = `${element}/NtryDtls/TxDtls[${i + 1}]`;
    const amt = at(tx, 'AmtDtls', 'TxAmt', 'Amt') ?? at(tx, 'Amt');
    if (amt === undefined)
      throw new EntryRejected(txElement, tx.line, 'a transaction of a batch entry has no amount (AmtDtls/TxAmt/Amt or Amt)');
    const amount = amountOf(amt, `${txElement}/Amt`);
    if (amount.currency !== entryAmount.currency)
      throw new EntryRejected(`${txElement}/Amt`, amt.line, `currency ${amount.currency} differs from the entry's ${entryAmount.currency}`);
    const ref = textAt(tx, 'Refs', 'AcctSvcrRef') ?? (entryRef === undefined ? undefined : `${entryRef}/${i + 1}`);
    if (ref === undefined || ref === '')
      throw new EntryRejected(`${txElement}/Refs/AcctSvcrRef`, tx.line, 'AcctSvcrRef is missing in the transaction and the entry');
    const d = details(tx, txElement, tx.line);
    out.push({
      kind: base.kind,
      channel: base.channel,
      source: base.source,
      valueDate: base.valueDate,
      bookingDate: base.bookingDate,
      element: txElement,
      line: tx.line,
      endToEndId: d.endToEndId,
      creditorReferences: d.creditorReferences,
      remittanceInfo: d.remittanceInfo,
      debtorName: d.debtorName,
      bankReference: checkedReference(ref, txElement, tx.line),
      currency: amount.currency,
      amountMinor: amount.minor,
    });
  });
  const sum = out.reduce((s, p) => s + p.amountMinor, 0n);
  if (sum !== entryAmount.minor)
    throw new EntryRejected(
      `${element}/Amt`,
      ntry.line,
      `the batch's transactions sum to ${sum}, the entry says ${entryAmount.minor} (minor units)`,
    );
  return out;
}

function checkedReference(ref: string, element: string, line: number): string {
  if (ref.length > BANK_REFERENCE_MAX_LENGTH)
    throw new EntryRejected(element, line, `AcctSvcrRef longer than ${BANK_REFERENCE_MAX_LENGTH} characters`);
  return ref;
}

/** References, remittance and debtor of one <TxDtls> (absent: none). */
function details(
  tx: Node | undefined,
  element: string,
  line: number,
): Pick<ReceivedPayment, 'element' | 'line' | 'endToEndId' | 'creditorReferences' | 'remittanceInfo' | 'debtorName'> {
  const rmt = at(tx, 'RmtInf');
  const remittanceInfo = children(rmt, 'Ustrd')
    .map((u) => u.text.trim())
    .filter((t) => t !== '')
    .join(' ');
  if (remittanceInfo.length > REMITTANCE_INFO_MAX_LENGTH)
    throw new EntryRejected(`${element}/RmtInf`, line, `remittance text longer than ${REMITTANCE_INFO_MAX_LENGTH} characters`);
  const creditorReferences = children(rmt, 'Strd')
    .map((s) => textAt(s, 'CdtrRefInf', 'Ref'))
    .filter((r): r is string => r !== undefined && r !== '');
  const e2e = textAt(tx, 'Refs', 'EndToEndId');
  return {
    element,
    line,
    endToEndId: e2e === undefined || e2e === '' || e2e === 'NOTPROVIDED' ? null : e2e.slice(0, 35),
    creditorReferences,
    remittanceInfo,
    debtorName: textAt(tx, 'RltdPties', 'Dbtr', 'Nm')?.slice(0, 140) ?? textAt(tx, 'RltdPties', 'Dbtr', 'Pty', 'Nm')?.slice(0, 140) ?? null,
  };
}
