/**
 * The UBL we write, checked by the official artefacts (vendored under ../schemas, see SOURCE.md):
 * the OASIS UBL 2.1 XSD with xmllint (libxml2-utils), and the EN 16931 Schematron rules compiled
 * to XSLT, run with Debian's Saxon-HE (libsaxonhe-java). No server is needed; this is an
 * integration spec because it runs external programs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleCreditNoteView, sampleInvoiceView } from '../testing/sample-document-view';
import { renderUbl } from './ubl-writer';

const SCHEMAS = join(__dirname, '..', 'schemas');
const SAXON_JAR = ['/usr/share/java/Saxon-HE.jar', '/usr/share/maven-repo/net/sf/saxon/Saxon-HE/debian/Saxon-HE-debian.jar'].find(
  existsSync,
);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ratel-ubl-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, xml: string): string {
  const file = join(dir, name);
  writeFileSync(file, xml);
  return file;
}

/** xmllint's verdict: null when valid, else its messages. */
function xsdErrors(file: string, schema: string): string | null {
  try {
    execFileSync('xmllint', ['--noout', '--schema', join(SCHEMAS, 'ubl-2.1', 'maindoc', schema), file], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  }
}

/** The ids of the fatal failed asserts of the EN 16931 rules. */
function fatalRules(file: string): string[] {
  if (SAXON_JAR === undefined) throw new Error('Saxon-HE is not installed: apt-get install libsaxonhe-java (scripts/setup.sh)');
  const svrl = execFileSync(
    'java',
    ['-cp', SAXON_JAR, 'net.sf.saxon.Transform', `-s:${file}`, `-xsl:${join(SCHEMAS, 'en16931', 'EN16931-UBL-validation.xslt')}`],
    {
      maxBuffer: 64 * 1024 * 1024,
    },
  ).toString();
  const failed = svrl.match(/<svrl:failed-assert\b[^>]*>/g) ?? [];
  return failed.filter((tag) => /flag="fatal"/.test(tag)).map((tag) => /id="([^"]+)"/.exec(tag)?.[1] ?? tag);
}

describe('UBL against the UBL 2.1 XSD and the EN 16931 rules', () => {
  it('an invoice is schema-valid and breaks no fatal EN 16931 rule', () => {
    const file = write('invoice.xml', renderUbl(sampleInvoiceView()));
    expect(xsdErrors(file, 'UBL-Invoice-2.1.xsd')).toBeNull();
    expect(fatalRules(file)).toEqual([]);
  });

  it('a credit note is schema-valid and breaks no fatal EN 16931 rule', () => {
    const file = write('credit-note.xml', renderUbl(sampleCreditNoteView()));
    expect(xsdErrors(file, 'UBL-CreditNote-2.1.xsd')).toBeNull();
    expect(fatalRules(file)).toEqual([]);
  });

  it('the checks do catch a broken document: a wrong tax amount, and elements out of order', () => {
    const xml = renderUbl(sampleInvoiceView());
    const wrongTax = write(
      'wrong-tax.xml',
      xml.replace('<cbc:TaxAmount currencyID="EUR">21.23</cbc:TaxAmount>', '<cbc:TaxAmount currencyID="EUR">21.22</cbc:TaxAmount>'),
    );
    expect(fatalRules(wrongTax)).toEqual(['BR-CO-14'] /* tax total is not the sum of the subtotals; BR-CO-17 allows one cent either way */);
    const disordered = write(
      'disordered.xml',
      xml.replace(/(<cbc:IssueDate>[^<]*<\/cbc:IssueDate>)(<cbc:DueDate>[^<]*<\/cbc:DueDate>)/, '$2$1'),
    );
    expect(xsdErrors(disordered, 'UBL-Invoice-2.1.xsd')).toMatch(/IssueDate|DueDate/);
  });
});
