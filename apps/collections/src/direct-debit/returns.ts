/**
 * Direct-debit returns and rejects: the files they come in (pain.002.001.03 status reports, and
 * camt.054 debit notifications with return information), read with the streaming tokenizer of the
 * statements (no DOCTYPE, no entity expansion), and the action each ISO reason code gets.
 */
import { XmlStreamTokenizer, XmlSyntaxError } from '../payments/statements/xml-stream';

export type ReturnAction = 'REPRESENT' | 'STOP_MANDATE' | 'OPERATOR' | 'DUNNING';

/** ISO 20022 external return reason codes and what we do (issue 10): every code not listed goes to dunning. */
export const RETURN_REASON_ACTIONS: Readonly<Record<string, ReturnAction>> = {
  // Insufficient funds: presented once more in the next run.
  AM04: 'REPRESENT',
  MS03: 'REPRESENT',
  // The account or the mandate is gone: no further debit on this mandate.
  AC01: 'STOP_MANDATE',
  AC04: 'STOP_MANDATE',
  AC06: 'STOP_MANDATE',
  AC13: 'STOP_MANDATE',
  AG01: 'STOP_MANDATE',
  MD01: 'STOP_MANDATE',
  MD07: 'STOP_MANDATE',
  // The debtor refused or asked for a refund: an operator talks to the customer.
  MS02: 'OPERATOR',
  MD06: 'OPERATOR',
};

/** The action of `code` for a debit in its `presentation` (a second insufficient-funds return goes to dunning). */
export function returnAction(code: string, presentation: number): ReturnAction {
  const action = RETURN_REASON_ACTIONS[code] ?? 'DUNNING';
  return action === 'REPRESENT' && presentation >= 2 ? 'DUNNING' : action;
}

export interface ReturnedDebit {
  endToEndId: string;
  reasonCode: string;
  line: number;
}

export interface ReturnFile {
  format: 'PAIN_002' | 'CAMT_054';
  returns: ReturnedDebit[];
  /** Transactions of the file that are not returns (accepted, no reason), or malformed ones, with the reason. */
  skipped: { line: number; reason: string }[];
}

/** Most returns one file may hold. */
export const RETURNS_PER_FILE_MAX = 100_000;

/** Parses a returns file; throws XmlSyntaxError (with the line) for a file that is not one. */
export function parseReturnFile(xml: string): ReturnFile {
  let format: ReturnFile['format'] | undefined;
  const path: string[] = [];
  const out: ReturnFile = { format: 'PAIN_002', returns: [], skipped: [] };
  let current: { endToEndId?: string; status?: string; reason?: string; line: number } | undefined;
  let text = '';
  const tokenizer = new XmlStreamTokenizer({
    open(name, _attributes, line) {
      path.push(name);
      text = '';
      if (path.length === 2) {
        if (name === 'CstmrPmtStsRpt') format = 'PAIN_002';
        else if (name === 'BkToCstmrDbtCdtNtfctn') format = 'CAMT_054';
        else throw new XmlSyntaxError(`${name}: not a pain.002 status report nor a camt.054 notification`, line);
      }
      if (name === 'TxInfAndSts' || name === 'TxDtls') current = { line };
    },
    text(t) {
      text += t;
    },
    close(name) {
      const parent = path[path.length - 2];
      const value = text.trim();
      if (current !== undefined) {
        if (name === 'OrgnlEndToEndId' || (name === 'EndToEndId' && parent === 'Refs')) current.endToEndId = value;
        if (name === 'TxSts') current.status = value;
        if (name === 'Cd' && parent === 'Rsn' && (path.includes('StsRsnInf') || path.includes('RtrInf'))) current.reason = value;
      }
      if ((name === 'TxInfAndSts' || name === 'TxDtls') && current !== undefined) {
        const c = current;
        current = undefined;
        if (c.reason === undefined) out.skipped.push({ line: c.line, reason: `no return reason (status ${c.status ?? 'none'})` });
        else if (c.endToEndId === undefined || c.endToEndId === '') out.skipped.push({ line: c.line, reason: 'no end-to-end id' });
        else if (!/^[A-Z0-9]{4}$/.test(c.reason)) out.skipped.push({ line: c.line, reason: `reason code ${c.reason} is not an ISO code` });
        else out.returns.push({ endToEndId: c.endToEndId, reasonCode: c.reason, line: c.line });
        if (out.returns.length > RETURNS_PER_FILE_MAX)
          throw new XmlSyntaxError(`more than ${RETURNS_PER_FILE_MAX} returns (RETURNS_PER_FILE_MAX)`, c.line);
      }
      path.pop();
      text = '';
    },
  });
  tokenizer.write(xml);
  tokenizer.end();
  if (format === undefined) throw new XmlSyntaxError('no document element', 1);
  out.format = format;
  return out;
}
