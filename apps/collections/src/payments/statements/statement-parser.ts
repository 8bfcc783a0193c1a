/**
 * The parser of a statement file, chosen by its first characters: `<` is ISO 20022 XML (camt.053 or
 * camt.054, told apart by the root's child), `:20:` or `{1:` is SWIFT MT940. Bytes are decoded as
 * UTF-8 across chunk boundaries.
 */
import { StringDecoder } from 'node:string_decoder';
import { CamtStreamParser } from './camt-parser';
import { Mt940StreamParser } from './mt940-parser';
import type { StatementFormat, StatementItem } from './statement-types';

export interface StatementParser {
  write(chunk: string): StatementItem[];
  end(): StatementItem[];
  readonly format: StatementFormat | undefined;
}

/** Characters looked at to choose the parser. */
const SNIFF_CHARS = 64;

/**
 * Decodes byte chunks, picks the parser on the first characters, and yields the items each chunk completes,
 * in file order, as one array per chunk (never empty): one await per chunk of the file, not per entry.
 */
export async function* parseStatement(
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  onFormat?: (f: StatementFormat | undefined) => void,
): AsyncGenerator<StatementItem[]> {
  const decoder = new StringDecoder('utf8');
  let parser: StatementParser | undefined;
  let head = '';
  const pick = (text: string): StatementParser | StatementItem => {
    const start = text.replace(/^\uFEFF/, '').trimStart();
    if (start.startsWith('<')) return new CamtStreamParser();
    if (start.startsWith(':20:') || start.startsWith('{1:') || start.startsWith(':')) return new Mt940StreamParser();
    return {
      kind: 'rejected',
      wholeFile: true,
      line: 1,
      reason: 'neither ISO 20022 XML (camt.053/camt.054) nor SWIFT MT940: the file starts with ' + JSON.stringify(start.slice(0, 20)),
    };
  };
  /** The items `text` completes; `stop` once the file was refused before any parser was chosen. */
  const feed = (text: string, final: boolean): { items: StatementItem[]; stop: boolean } => {
    if (parser === undefined) {
      head += text;
      if (head.replace(/^\uFEFF/, '').trimStart().length < SNIFF_CHARS && !final) return { items: [], stop: false };
      const chosen = pick(head);
      if (!('write' in chosen)) return { items: [chosen], stop: true };
      parser = chosen;
      text = head;
      head = '';
    }
    const items = parser.write(text);
    onFormat?.(parser.format);
    if (final) items.push(...parser.end());
    return { items, stop: false };
  };
  for await (const chunk of chunks) {
    const { items, stop } = feed(typeof chunk === 'string' ? chunk : decoder.write(chunk), false);
    if (items.length > 0) yield items;
    if (stop) return;
  }
  const { items } = feed(decoder.end(), true);
  if (items.length > 0) yield items;
  onFormat?.(parser?.format);
}
