/**
 * The pain.001.001.03 file of a credit-transfer batch (SEPA Credit Transfer, EPC implementation
 * guidelines): the bank refunds an operator approved, paid from the operator's account (the same
 * account direct debits are collected to: DD_CREDITOR_*). Built with xmlbuilder2; pure: the same
 * batch gives the same bytes. One payment information block, transactions in the batch's order;
 * amounts written from the minor unit exactly (EUR only: SEPA). Checked in tests against the vendored
 * XSD (schemas/pain.001.001.03.xsd) with xmllint.
 */
import { create } from 'xmlbuilder2';
import { agent, SEPA_NAME_MAX, SEPA_REMITTANCE_MAX, sepaText } from '../direct-debit/pain008';
import { majorText } from '../erp/journal-export';

export const PAIN_001_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03';

export interface Debtor {
  name: string;
  iban: string;
  bic?: string;
}

export interface CreditTransfer {
  /** End-to-end id (the refund's id), at most 35 characters. */
  endToEndId: string;
  amountMinor: bigint;
  creditorName: string;
  creditorIban: string;
  creditorBic?: string;
  remittance: string;
}

export interface CreditTransferFile {
  messageId: string;
  /** ISO date-time without zone, e.g. 2026-12-03T08:00:00 */
  createdAt: string;
  executionDate: string;
  debtor: Debtor;
  transfers: readonly CreditTransfer[];
}

export function buildPain001(f: CreditTransferFile): string {
  if (f.transfers.length === 0) throw new Error('pain.001: a credit-transfer file needs at least one transfer');
  const total = f.transfers.reduce((s, t) => s + t.amountMinor, 0n);
  const doc = create({ version: '1.0', encoding: 'UTF-8' }).ele(PAIN_001_NAMESPACE, 'Document').ele('CstmrCdtTrfInitn');
  const hdr = doc.ele('GrpHdr');
  hdr.ele('MsgId').txt(f.messageId);
  hdr.ele('CreDtTm').txt(f.createdAt);
  hdr.ele('NbOfTxs').txt(String(f.transfers.length));
  hdr.ele('CtrlSum').txt(majorText(total, 'EUR'));
  hdr.ele('InitgPty').ele('Nm').txt(sepaText(f.debtor.name, SEPA_NAME_MAX));
  const info = doc.ele('PmtInf');
  info.ele('PmtInfId').txt(`${f.messageId.slice(0, 31)}-TRF`);
  info.ele('PmtMtd').txt('TRF');
  info.ele('NbOfTxs').txt(String(f.transfers.length));
  info.ele('CtrlSum').txt(majorText(total, 'EUR'));
  info.ele('PmtTpInf').ele('SvcLvl').ele('Cd').txt('SEPA');
  info.ele('ReqdExctnDt').txt(f.executionDate);
  info.ele('Dbtr').ele('Nm').txt(sepaText(f.debtor.name, SEPA_NAME_MAX));
  info.ele('DbtrAcct').ele('Id').ele('IBAN').txt(f.debtor.iban);
  agent(info.ele('DbtrAgt'), f.debtor.bic);
  info.ele('ChrgBr').txt('SLEV');
  for (const t of f.transfers) {
    const tx = info.ele('CdtTrfTxInf');
    tx.ele('PmtId').ele('EndToEndId').txt(t.endToEndId);
    tx.ele('Amt').ele('InstdAmt', { Ccy: 'EUR' }).txt(majorText(t.amountMinor, 'EUR'));
    if (t.creditorBic !== undefined) agent(tx.ele('CdtrAgt'), t.creditorBic);
    tx.ele('Cdtr').ele('Nm').txt(sepaText(t.creditorName, SEPA_NAME_MAX));
    tx.ele('CdtrAcct').ele('Id').ele('IBAN').txt(t.creditorIban);
    tx.ele('RmtInf').ele('Ustrd').txt(sepaText(t.remittance, SEPA_REMITTANCE_MAX));
  }
  return doc.end({ prettyPrint: true });
}
