/**
 * The PDF renderer, checked on its output: the same document gives the same bytes, in this process
 * and in another one (no clock, no random id); the text (pdftotext, poppler-utils) shows the bill-to
 * address, the customer number and VAT id, the totals and the RF reference; a different document gives
 * other bytes. Integration: it runs external programs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { billToLines } from './document-view';
import { renderPdf } from './pdf-renderer';
import { issued } from './testing/sample-issued-document';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..', '..');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ratel-pdf-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ADDRESS = { street: 'Kerkstraat 12', additionalStreet: '2nd floor', city: 'Amsterdam', postalCode: '1017 GL', countryCode: 'NL' };
const view = () =>
  issued({
    customer: { name: 'Jan de Vries', addressLines: billToLines(ADDRESS, 'acc-1', 'NL123456789B02'), email: null, postalAddress: ADDRESS },
  });

describe('renderPdf', () => {
  it('gives the same bytes for the same document, in this process and in another one', async () => {
    const a = await renderPdf(view());
    const b = await renderPdf(view());
    expect(b.equals(a)).toBe(true);
    const script = join(dir, 'render.ts');
    writeFileSync(
      script,
      `import { renderPdf } from '${join(__dirname, 'pdf-renderer')}';\nimport { billToLines } from '${join(__dirname, 'document-view')}';\n` +
        `import { issued } from '${join(__dirname, 'testing', 'sample-issued-document')}';\n` +
        `const ADDRESS = ${JSON.stringify(ADDRESS)};\n` +
        `renderPdf(issued({ customer: { name: 'Jan de Vries', addressLines: billToLines(ADDRESS, 'acc-1', 'NL123456789B02'), email: null, postalAddress: ADDRESS } }))` +
        `.then((buf) => process.stdout.write(buf.toString('base64')));\n`,
    );
    const other = execFileSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', script], {
      cwd: REPO_ROOT,
      maxBuffer: 64 * 1024 * 1024,
    }).toString();
    expect(Buffer.from(other, 'base64').equals(a)).toBe(true);
    const changed = await renderPdf(issued({ number: 'RTL-NL2026-000002' }));
    expect(changed.equals(a)).toBe(false);
  });

  it('shows the bill-to address, the customer number and VAT id, the totals and the RF reference', async () => {
    const file = join(dir, 'doc.pdf');
    writeFileSync(file, await renderPdf(view()));
    const text = execFileSync('pdftotext', ['-layout', file, '-']).toString();
    for (const expected of [
      'Jan de Vries',
      'Kerkstraat 12',
      '2nd floor',
      '1017 GL Amsterdam',
      'Customer number acc-1',
      'VAT NL123456789B02',
      '23.00 EUR',
    ])
      expect([expected, text.includes(expected)]).toEqual([expected, true]);
    expect(text.replace(/\s/g, '')).toContain('RF18539007547034');
  });
});

describe('billToLines', () => {
  it('prints the address when there is one, always the customer number, the VAT id when set', () => {
    expect(billToLines(null, 'acc-9', null)).toEqual(['Customer number acc-9']);
    expect(billToLines({ ...ADDRESS, additionalStreet: null, postalCode: null }, 'acc-9', null)).toEqual([
      'Kerkstraat 12',
      'Amsterdam',
      'NL',
      'Customer number acc-9',
    ]);
  });
});
