/**
 * The PDF of a billing document, with pdfkit: seller and customer, number, dates and period, lines
 * grouped by subscription (late usage marked), the tax summary per rate, the totals, the payment
 * terms and the ISO 11649 RF reference that collections matches bank payments on. DejaVu Sans is
 * embedded (vendored in ./fonts, parsed once per process).
 *
 * Deterministic: the same document gives the same bytes. pdfkit derives the file ID from the
 * document info, whose dates are the issue date here; nothing else varies between runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Decimal from 'decimal.js';
import PDFDocument from 'pdfkit';
import { type DocumentView, formatAmount } from './document-view';

// fontkit (pdfkit's own font engine, declared so it can be imported) has no type declarations: the one call used here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fontkit = require('fontkit') as { create(data: Buffer): unknown };

const FONT_DIR = join(__dirname, 'fonts');
/**
 * The fonts, parsed once per process and handed to pdfkit as fontkit objects (pdfkit accepts them):
 * parsing the 700 KB TTF for every document was most of a document's time (measured: 46 against 279
 * documents/s for a bare page, with byte-identical output). Each document still embeds its own subset.
 */
let fonts: { regular: Buffer; bold: Buffer } | undefined;
function loadFonts(): { regular: Buffer; bold: Buffer } {
  fonts ??= {
    regular: fontkit.create(readFileSync(join(FONT_DIR, 'DejaVuSans.ttf'))) as Buffer,
    bold: fontkit.create(readFileSync(join(FONT_DIR, 'DejaVuSans-Bold.ttf'))) as Buffer,
  };
  return fonts;
}

const TITLES: Record<DocumentView['type'], string> = {
  INVOICE: 'Invoice',
  CREDIT_NOTE: 'Credit note',
  DEBIT_NOTE: 'Debit note',
  ADVANCE_INVOICE: 'Advance invoice',
};

const PAGE = { size: 'A4' as const, margin: 50 };
/** x of the table columns: description, quantity, unit price, amount (right edges for numbers). */
const COL = { desc: 50, qtyRight: 370, priceRight: 460, amountRight: 545 };
const BOTTOM = 770;

/** Groups the RF reference by four, as printed on payment slips. */
function grouped(ref: string): string {
  return ref.replace(/(.{4})/g, '$1 ').trim();
}

export function renderPdf(view: DocumentView): Promise<Buffer> {
  const f = loadFonts();
  const date = new Date(`${view.issueDate}T00:00:00Z`);
  const doc = new PDFDocument({
    size: PAGE.size,
    margin: PAGE.margin,
    compress: true,
    info: {
      Title: `${TITLES[view.type]} ${view.number}`,
      Author: view.seller.name,
      Producer: 'Ratel',
      Creator: 'Ratel',
      CreationDate: date,
      ModDate: date,
    },
  });
  doc.registerFont('body', f.regular);
  doc.registerFont('bold', f.bold);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const money = (m: bigint) => formatAmount(m, view.currency);
  const right = (text: string, xRight: number, y: number, width = 120) => doc.text(text, xRight - width, y, { width, align: 'right' });

  // Seller (left) and the document's identity (right).
  doc.font('bold').fontSize(14).text(view.seller.name, 50, 50, { width: 280 });
  doc.font('body').fontSize(9);
  for (const l of view.seller.addressLines) doc.text(l, { width: 280 });
  if (view.seller.vatId) doc.text(`VAT ${view.seller.vatId}`, { width: 280 });
  doc.font('bold').fontSize(16);
  right(TITLES[view.type], 545, 50, 220);
  doc.font('body').fontSize(9);
  const ident: [string, string][] = [
    ['Number', view.number],
    ['Issue date', view.issueDate],
    ['Due date', view.dueDate],
  ];
  if (view.periodStart && view.periodEnd) ident.push(['Period', `${view.periodStart} to ${view.periodEnd} (excl.)`]);
  if (view.correctsNumber) ident.push(['Corrects', view.correctsNumber]);
  ident.forEach(([k, v], i) => right(`${k}: ${v}`, 545, 74 + i * 12, 240));

  // Customer.
  let y = 150;
  doc.font('bold').fontSize(10).text('Bill to', 50, y);
  doc
    .font('body')
    .fontSize(9)
    .text(view.customer.name, 50, y + 14);
  view.customer.addressLines.forEach((l, i) => doc.text(l, 50, y + 26 + i * 12));

  // Lines, below the bill-to block however long it is.
  y = Math.max(220, y + 26 + view.customer.addressLines.length * 12 + 14);
  const header = () => {
    doc.font('bold').fontSize(9);
    doc.text('Description', COL.desc, y);
    right('Quantity', COL.qtyRight, y);
    right('Unit price', COL.priceRight, y, 80);
    right('Amount', COL.amountRight, y, 80);
    y += 14;
    doc
      .moveTo(50, y - 3)
      .lineTo(545, y - 3)
      .lineWidth(0.5)
      .stroke();
  };
  const room = (h: number) => {
    if (y + h <= BOTTOM) return;
    doc.addPage();
    y = 50;
    header();
  };
  header();
  for (const l of view.lines) {
    room(14);
    if (l.kind === 'SUBSCRIPTION') {
      doc.font('bold').fontSize(9).text(l.description, COL.desc, y, { width: 300 });
      y += 13;
      continue;
    }
    doc.font('body').fontSize(9);
    const indent = l.parentLineNo === null ? 0 : 10;
    doc.text(`${l.description}${l.late ? ' (late)' : ''}`, COL.desc + indent, y, { width: 250 - indent });
    right(`${l.quantity} ${l.unit.toLowerCase()}`, COL.qtyRight, y);
    right(`${l.unitPriceMinor === '0' ? '0' : l.unitPriceMinor} c`, COL.priceRight, y, 80);
    right(money(l.amountMinor), COL.amountRight, y, 100);
    y += 13;
  }

  // Tax summary and totals.
  room(40 + 12 * view.taxes.length + 50);
  y += 10;
  doc.font('bold').fontSize(9).text('Tax', 300, y);
  right('Taxable', 460, y, 80);
  right('Tax', 545, y, 80);
  y += 13;
  doc.font('body');
  for (const t of view.taxes) {
    doc.text(`${t.taxCategory.toLowerCase()} ${new Decimal(t.taxRate).times(100).toFixed()} %`, 300, y);
    right(money(t.taxableMinor), 460, y, 100);
    right(money(t.taxMinor), 545, y, 100);
    y += 12;
  }
  y += 8;
  const total = (label: string, amount: bigint, bold = false) => {
    doc.font(bold ? 'bold' : 'body').fontSize(bold ? 11 : 9);
    doc.text(label, 300, y);
    right(money(amount), 545, y, 150);
    y += bold ? 16 : 13;
  };
  total('Net total', view.netMinor);
  total('Tax total', view.taxMinor);
  total(view.type === 'CREDIT_NOTE' ? 'Total credited' : 'Total due', view.grossMinor, true);

  // Payment.
  room(70);
  y += 16;
  doc.font('bold').fontSize(10).text('Payment', 50, y);
  doc.font('body').fontSize(9);
  const pay =
    view.type === 'CREDIT_NOTE'
      ? `This amount is credited to account ${view.accountId}.`
      : `Payable within ${view.paymentTermsDays} days, by ${view.dueDate}, to IBAN ${view.seller.iban}${view.seller.bic ? ` (BIC ${view.seller.bic})` : ''}.`;
  doc.text(pay, 50, y + 14, { width: 495 });
  doc.text(`Payment reference: ${grouped(view.paymentReference)}`, 50, y + 28, { width: 495 });
  doc.end();
  return done;
}
