/**
 * UBL e-invoices per second, in process, no I/O: an issued document as RENDER reads it (a convergent
 * account: S subscriptions of a fee and three usage lines each, a discount, two tax rates) mapped to
 * the e-invoice view (toEInvoice) and written as UBL 2.1 XML bytes (renderUbl, then UTF-8), as the
 * RENDER phase does before storing it. Baseline in the same run: JSON.stringify of the same
 * e-invoice view (bigints as strings) to UTF-8 bytes, the cheapest serialisation of the same content,
 * with no checks and no escaping; the ratio says what the UBL costs beyond writing the data out.
 * The PDF of the same documents (renderPdf, the other rendition RENDER writes) on the first
 * `--pdf-docs` of them, beside a baseline in the same run: bare pdfkit writing the same texts in the
 * same embedded fonts with no layout logic (pages/s counted from the files' page objects).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/billing/ubl-bench.ts \
 *     [--docs 20000] [--subscriptions 3] [--runs 3] [--pdf-docs 500]
 *
 * Each measurement runs `--runs` times after a warm-up of a tenth of the documents; the best run is
 * reported (the least disturbed by the rest of the machine).
 */
import { toEInvoice } from '../../apps/invoicing/src/billing/einvoice/from-issued-document';
import type { DocumentView as EInvoice } from '../../apps/invoicing/src/billing/einvoice/document-view';
import { renderUbl } from '../../apps/invoicing/src/billing/einvoice/ubl/ubl-writer';
import type { DocumentView as IssuedDocument, LineView } from '../../apps/invoicing/src/billing/render/document-view';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { renderPdf } from '../../apps/invoicing/src/billing/render/pdf-renderer';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const ADDRESS = { street: 'Kerkstraat 12', additionalStreet: '2nd floor', city: 'Amsterdam', postalCode: '1017 GL', countryCode: 'NL' };

/** A document of `subscriptions` subscriptions (heading, fee, voice, data, SMS) and an account discount; 21 % and 9 % VAT. */
function issuedDocument(i: number, subscriptions: number): IssuedDocument {
  const lines: LineView[] = [];
  const base = { late: false, periodStart: '2026-11-01', periodEnd: '2026-12-01', taxCategory: 'STANDARD', taxRate: '0.21' };
  let net21 = 0n;
  for (let s = 0; s < subscriptions; s++) {
    const heading = lines.length + 1;
    const children: Array<[string, string, string, string, bigint]> = [
      ['RECURRING', `Mobile M monthly fee, +31 6 1234 ${String(5000 + s)}`, 'MONTHLY', '1', 2500n],
      ['USAGE', 'Calls, national & EU <roaming>', 'SECONDS', '18720', 1560n],
      ['USAGE', 'Data, national', 'BYTES', '2147483648', 2048n],
      ['USAGE', 'SMS, national', 'EVENTS', '112', 560n],
    ];
    const subtotal = children.reduce((sum, c) => sum + c[4], 0n);
    lines.push({
      ...base,
      lineNo: heading,
      parentLineNo: null,
      kind: 'SUBSCRIPTION',
      description: `Mobile M ${s}`,
      quantity: '1',
      unit: 'SUBSCRIPTION',
      unitPriceMinor: String(subtotal),
      amountMinor: subtotal,
      taxCategory: 'NONE',
      taxRate: '0',
      subscriptionId: `sub-${s}`,
    });
    for (const [kind, description, unit, quantity, amount] of children) {
      const unitPriceMinor = (Number(amount) / Number(quantity)).toFixed(9);
      lines.push({
        ...base,
        lineNo: lines.length + 1,
        parentLineNo: heading,
        kind,
        description,
        quantity,
        unit,
        unitPriceMinor,
        amountMinor: amount,
        subscriptionId: `sub-${s}`,
      });
    }
    net21 += subtotal;
  }
  lines.push({
    ...base,
    lineNo: lines.length + 1,
    parentLineNo: null,
    kind: 'DISCOUNT',
    description: 'Convergent discount',
    quantity: '1',
    unit: 'EA',
    unitPriceMinor: '-500',
    amountMinor: -500n,
    subscriptionId: null,
  });
  lines.push({
    ...base,
    lineNo: lines.length + 1,
    parentLineNo: null,
    kind: 'ONE_TIME',
    description: 'E-book bundle',
    quantity: '1',
    unit: 'EA',
    unitPriceMinor: '999',
    amountMinor: 999n,
    taxRate: '0.09',
    taxCategory: 'REDUCED',
    subscriptionId: null,
  });
  net21 -= 500n;
  // Half up, as EN 16931 BR-CO-17 checks it.
  const tax21 = (net21 * 21n + 50n) / 100n;
  const tax9 = (999n * 9n + 50n) / 100n;
  return {
    id: `doc-${i}`,
    type: 'INVOICE',
    number: `RTL-NL2026-${String(i + 1).padStart(6, '0')}`,
    issueDate: '2026-12-01',
    dueDate: '2026-12-15',
    periodStart: '2026-11-01',
    periodEnd: '2026-12-01',
    currency: 'EUR',
    netMinor: net21 + 999n,
    taxMinor: tax21 + tax9,
    grossMinor: net21 + 999n + tax21 + tax9,
    paymentReference: 'RF18539007547034',
    paymentTermsDays: 14,
    correctsNumber: null,
    correctsIssueDate: null,
    accountId: `acc-${i}`,
    legalEntityId: 'le-nl',
    seller: {
      name: 'Ratel Telecom B.V.',
      addressLines: [],
      vatId: 'NL123456789B01',
      country: 'NL',
      iban: 'NL91ABNA0417164300',
      bic: null,
      email: null,
      postalAddress: { ...ADDRESS, street: 'Stationsplein 1', city: 'Utrecht' },
    },
    customer: { name: `Jan de Vries & Zn. ${i}`, addressLines: [], email: null, postalAddress: ADDRESS },
    lines,
    taxes: [
      { taxCategory: 'REDUCED', taxRate: '0.09', taxableMinor: 999n, taxMinor: tax9 },
      { taxCategory: 'STANDARD', taxRate: '0.21', taxableMinor: net21, taxMinor: tax21 },
    ],
  };
}

function viewOf(doc: IssuedDocument): EInvoice {
  const mapped = toEInvoice(doc);
  if (mapped.view === undefined) throw new Error(`bench document skipped: ${mapped.skip.code}: ${mapped.skip.reason}`);
  return mapped.view;
}

const asJson = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value);

/** Best documents per second of `runs` timed passes over `docs` (after a warm-up), and the bytes written per pass. */
function measure(
  docs: readonly IssuedDocument[],
  runs: number,
  write: (doc: IssuedDocument) => Buffer,
): { perSecond: number; bytes: number } {
  for (const doc of docs.slice(0, Math.ceil(docs.length / 10))) write(doc);
  let best = 0;
  let bytes = 0;
  for (let r = 0; r < runs; r++) {
    bytes = 0;
    const t0 = process.hrtime.bigint();
    for (const doc of docs) bytes += write(doc).length;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.max(best, docs.length / seconds);
  }
  return { perSecond: best, bytes };
}

/** Best documents per second of a PDF writer over `docs` (one at a time, as RENDER does), the bytes and pages of a pass. */
async function measurePdf(
  docs: readonly IssuedDocument[],
  runs: number,
  write: (doc: IssuedDocument) => Promise<Buffer>,
): Promise<{ perSecond: number; bytes: number; pages: number }> {
  for (const doc of docs.slice(0, Math.ceil(docs.length / 10))) await write(doc);
  let best = 0;
  let bytes = 0;
  let pages = 0;
  for (let r = 0; r < runs; r++) {
    bytes = 0;
    pages = 0;
    const t0 = process.hrtime.bigint();
    for (const doc of docs) {
      const pdf = await write(doc);
      bytes += pdf.length;
      pages += (pdf.toString('latin1').match(/\/Type \/Page\b(?!s)/g) ?? []).length;
    }
    best = Math.max(best, docs.length / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return { perSecond: best, bytes, pages };
}

// The baseline's fonts: the same DejaVu Sans, parsed once, as the renderer does.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fontkit = require('fontkit') as { create(data: Buffer): unknown };
const FONTS = join(__dirname, '..', '..', 'apps', 'invoicing', 'src', 'billing', 'render', 'fonts');
const bareFonts = {
  regular: fontkit.create(readFileSync(join(FONTS, 'DejaVuSans.ttf'))) as Buffer,
  bold: fontkit.create(readFileSync(join(FONTS, 'DejaVuSans-Bold.ttf'))) as Buffer,
};

/** Baseline: bare pdfkit writing the same texts (number, each line's description and amount, the total) in the same fonts, no layout logic. */
function barePdf(d: IssuedDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 50, info: { CreationDate: new Date(0) } });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.registerFont('body', bareFonts.regular);
    doc.registerFont('bold', bareFonts.bold);
    doc.font('bold').fontSize(14).text(`Invoice ${d.number}`, 50, 50);
    doc.font('body').fontSize(9);
    let y = 100;
    for (const l of d.lines) {
      if (y > 770) {
        doc.addPage();
        y = 50;
      }
      doc.text(l.description, 50, y, { width: 300 }).text(String(l.amountMinor), 450, y);
      y += 14;
    }
    doc.text(`Total ${d.grossMinor} ${d.currency}  ${d.paymentReference}`, 50, y + 14);
    doc.end();
  });
}

async function main(): Promise<void> {
  const count = arg('docs', 20_000);
  const subscriptions = arg('subscriptions', 3);
  const runs = arg('runs', 3);
  const docs = Array.from({ length: count }, (_, i) => issuedDocument(i, subscriptions));
  const views = new Map(docs.map((d) => [d, viewOf(d)]));
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `ubl-bench: ${count} documents of ${docs[0].lines.length} lines (${subscriptions} subscriptions), best of ${runs} runs, node ${process.version}`,
  );

  const ubl = measure(docs, runs, (d) => Buffer.from(renderUbl(viewOf(d)), 'utf8'));
  const writeOnly = measure(docs, runs, (d) => Buffer.from(renderUbl(views.get(d)!), 'utf8'));
  const json = measure(docs, runs, (d) => Buffer.from(JSON.stringify(views.get(d)!, asJson), 'utf8'));
  const row = (name: string, m: { perSecond: number; bytes: number }) =>
    out(
      `${name.padEnd(36)} ${Math.round(m.perSecond).toLocaleString('en-US').padStart(9)} docs/s  ${Math.round(m.bytes / count)
        .toLocaleString('en-US')
        .padStart(6)} bytes/doc`,
    );
  row('UBL: map + write (as RENDER does)', ubl);
  row('UBL: write only (view mapped before)', writeOnly);
  row('baseline: JSON.stringify of the view', json);
  out(`ratio UBL (map + write) / JSON baseline: ${(ubl.perSecond / json.perSecond).toFixed(3)}`);
  const pdfDocs = docs.slice(0, arg('pdf-docs', 500));
  const pdf = await measurePdf(pdfDocs, runs, renderPdf);
  const bare = await measurePdf(pdfDocs, runs, barePdf);
  const pdfRow = (name: string, m: { perSecond: number; bytes: number; pages: number }) =>
    out(
      `${name.padEnd(36)} ${Math.round(m.perSecond).toLocaleString('en-US').padStart(9)} docs/s  ` +
        `${Math.round((m.perSecond * m.pages) / pdfDocs.length).toLocaleString('en-US')} pages/s  ${(m.pages / pdfDocs.length).toFixed(1)} pages/doc  ` +
        `${Math.round(m.bytes / pdfDocs.length).toLocaleString('en-US')} bytes/doc`,
    );
  pdfRow(`PDF: renderPdf (${pdfDocs.length} docs)`, pdf);
  pdfRow('baseline: bare pdfkit, same texts', bare);
  out(`ratio PDF / bare pdfkit baseline (docs/s): ${(pdf.perSecond / bare.perSecond).toFixed(3)}`);
}

main().catch((e) => {
  process.stderr.write(`${String(e)}\n`);
  process.exitCode = 1;
});
