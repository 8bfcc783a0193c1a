/**
 * The official checks of a UBL file, for the specs (not the product: they run external programs):
 * the OASIS UBL 2.1 XSD with xmllint (libxml2-utils), and the EN 16931 Schematron rules compiled to
 * XSLT with Debian's Saxon-HE (libsaxonhe-java). The artefacts are vendored under ../schemas (SOURCE.md).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const SCHEMAS = join(__dirname, '..', 'schemas');
const SAXON_JAR = ['/usr/share/java/Saxon-HE.jar', '/usr/share/maven-repo/net/sf/saxon/Saxon-HE/debian/Saxon-HE-debian.jar'].find(
  existsSync,
);
/** Largest SVRL report read from Saxon. */
const SVRL_BYTES_MAX = 64 * 1024 * 1024;

export type UblSchema = 'UBL-Invoice-2.1.xsd' | 'UBL-CreditNote-2.1.xsd';

/** The schema of a UBL document by its root element. */
export function ublSchemaOf(xml: string): UblSchema {
  return /^<\?xml[^>]*>\s*<CreditNote\b/.test(xml) ? 'UBL-CreditNote-2.1.xsd' : 'UBL-Invoice-2.1.xsd';
}

/** xmllint's verdict on `file`: null when valid, else its messages. */
export function xsdErrors(file: string, schema: UblSchema): string | null {
  try {
    execFileSync('xmllint', ['--noout', '--schema', join(SCHEMAS, 'ubl-2.1', 'maindoc', schema), file], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  }
}

/** The ids of the fatal failed asserts of the EN 16931 rules on `file`. */
export function fatalRules(file: string): string[] {
  if (SAXON_JAR === undefined) throw new Error('Saxon-HE is not installed: apt-get install libsaxonhe-java (scripts/setup.sh)');
  const svrl = execFileSync(
    'java',
    ['-cp', SAXON_JAR, 'net.sf.saxon.Transform', `-s:${file}`, `-xsl:${join(SCHEMAS, 'en16931', 'EN16931-UBL-validation.xslt')}`],
    { maxBuffer: SVRL_BYTES_MAX },
  ).toString();
  const failed = svrl.match(/<svrl:failed-assert\b[^>]*>/g) ?? [];
  return failed.filter((tag) => /flag="fatal"/.test(tag)).map((tag) => /id="([^"]+)"/.exec(tag)?.[1] ?? tag);
}
