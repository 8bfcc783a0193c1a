/**
 * The pain.008.001.02 file of a direct-debit run (SEPA Core, EPC implementation guidelines), built
 * with xmlbuilder2 (escaping, namespaces). Pure: the same run gives the same bytes. One payment
 * information block per sequence type (FRST, RCUR), transactions in the run's order. Amounts are
 * written from the minor unit exactly (EUR only: SEPA). Checked in tests against the vendored XSD
 * (schemas/pain.008.001.02.xsd) with xmllint.
 */
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces';
import { majorText } from '../erp/journal-export';

export const PAIN_008_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.008.001.02';
/** EPC: names are at most 70 characters. */
export const SEPA_NAME_MAX = 70;
/** Unstructured remittance: at most 140 characters. */
export const SEPA_REMITTANCE_MAX = 140;

export interface Creditor {
  name: string;
  iban: string;
  bic?: string;
  /** SEPA creditor identifier, e.g. DE98ZZZ09999999999. */
  creditorId: string;
}

export interface DirectDebitTransaction {
  /** End-to-end id (the instruction id), at most 35 characters. */
  endToEndId: string;
  sequence: 'FRST' | 'RCUR';
  amountMinor: bigint;
  mandateId: string;
  mandateSignedOn: string;
  debtorName: string;
  debtorIban: string;
  debtorBic?: string;
  remittance: string;
}

export interface DirectDebitFile {
  messageId: string;
  /** ISO date-time without zone, e.g. 2026-12-03T08:00:00 */
  createdAt: string;
  collectionDate: string;
  creditor: Creditor;
  transactions: readonly DirectDebitTransaction[];
}

/** SEPA's restricted character set (EPC: Latin letters, digits, / - ? : ( ) . , ' + and space); others become a space. */
export function sepaText(text: string, max: number): string {
  const latin = text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  return (
    latin
      .replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .slice(0, max) || '-'
  );
}

/** A financial institution by its BIC, or NOTPROVIDED (IBAN-only SEPA); shared with pain.001 (src/refunds/pain001.ts). */
export function agent(parent: XMLBuilder, bic: string | undefined): void {
  const fin = parent.ele('FinInstnId');
  if (bic !== undefined) fin.ele('BIC').txt(bic);
  else fin.ele('Othr').ele('Id').txt('NOTPROVIDED');
}

export function buildPain008(f: DirectDebitFile): string {
  const total = f.transactions.reduce((s, t) => s + t.amountMinor, 0n);
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele(PAIN_008_NAMESPACE, 'Document').ele('CstmrDrctDbtInitn');
  const hdr = doc.ele('GrpHdr');
  hdr.ele('MsgId').txt(f.messageId);
  hdr.ele('CreDtTm').txt(f.createdAt);
  hdr.ele('NbOfTxs').txt(String(f.transactions.length));
  hdr.ele('CtrlSum').txt(majorText(total, 'EUR'));
  hdr.ele('InitgPty').ele('Nm').txt(sepaText(f.creditor.name, SEPA_NAME_MAX));
  for (const sequence of ['FRST', 'RCUR'] as const) {
    const txs = f.transactions.filter((t) => t.sequence === sequence);
    if (txs.length === 0) continue;
    const info = doc.ele('PmtInf');
    info.ele('PmtInfId').txt(`${f.messageId.slice(0, 30)}-${sequence}`);
    info.ele('PmtMtd').txt('DD');
    info.ele('NbOfTxs').txt(String(txs.length));
    info.ele('CtrlSum').txt(
      majorText(
        txs.reduce((s, t) => s + t.amountMinor, 0n),
        'EUR',
      ),
    );
    const type = info.ele('PmtTpInf');
    type.ele('SvcLvl').ele('Cd').txt('SEPA');
    type.ele('LclInstrm').ele('Cd').txt('CORE');
    type.ele('SeqTp').txt(sequence);
    info.ele('ReqdColltnDt').txt(f.collectionDate);
    info.ele('Cdtr').ele('Nm').txt(sepaText(f.creditor.name, SEPA_NAME_MAX));
    info.ele('CdtrAcct').ele('Id').ele('IBAN').txt(f.creditor.iban);
    agent(info.ele('CdtrAgt'), f.creditor.bic);
    info.ele('ChrgBr').txt('SLEV');
    const scheme = info.ele('CdtrSchmeId').ele('Id').ele('PrvtId').ele('Othr');
    scheme.ele('Id').txt(f.creditor.creditorId);
    scheme.ele('SchmeNm').ele('Prtry').txt('SEPA');
    for (const t of txs) {
      const tx = info.ele('DrctDbtTxInf');
      tx.ele('PmtId').ele('EndToEndId').txt(t.endToEndId);
      tx.ele('InstdAmt', { Ccy: 'EUR' }).txt(majorText(t.amountMinor, 'EUR'));
      const mandate = tx.ele('DrctDbtTx').ele('MndtRltdInf');
      mandate.ele('MndtId').txt(t.mandateId);
      mandate.ele('DtOfSgntr').txt(t.mandateSignedOn);
      agent(tx.ele('DbtrAgt'), t.debtorBic);
      tx.ele('Dbtr').ele('Nm').txt(sepaText(t.debtorName, SEPA_NAME_MAX));
      tx.ele('DbtrAcct').ele('Id').ele('IBAN').txt(t.debtorIban);
      tx.ele('RmtInf').ele('Ustrd').txt(sepaText(t.remittance, SEPA_REMITTANCE_MAX));
    }
  }
  return doc.end({ prettyPrint: true });
}
