/**
 * A streaming XML tokenizer for bank files: fed chunks of text, it reports each start tag (with its
 * attributes), each run of character data and each end tag, with the line it starts on, and keeps
 * in memory only the token in hand (never the document). No npm XML parser is installed in this
 * repository, so this is the one the statement parsers use; it covers what bank files contain:
 * elements, attributes, character and entity references, CDATA, comments and processing
 * instructions. A DOCTYPE is refused (no entity expansion, no external entities), as is anything
 * not well-formed: mismatched or unclosed tags, text outside the root, a second root.
 */

/** Longest single token (a tag, a text run, a comment) before the file is refused. */
export const XML_TOKEN_CHARS_MAX = 1_048_576;
/** Deepest element nesting before the file is refused. */
export const XML_DEPTH_MAX = 64;

export class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'XmlSyntaxError';
  }
}

export interface XmlHandler {
  /** A start tag; `name` without its namespace prefix. */
  open(name: string, attributes: Readonly<Record<string, string>>, line: number): void;
  /** Character data (entities decoded); may come in several pieces. */
  text(text: string): void;
  close(name: string, line: number): void;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
const ATTRIBUTE = /([A-Za-z_][A-Za-z0-9_.:-]*)\s*=\s*("[^"]*"|'[^']*')/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon < 0 ? qualified : qualified.slice(colon + 1);
}

/** Text with its references decoded. */
export function decodeEntities(text: string, line: number): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&\s]{0,10});?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new XmlSyntaxError(`"&" must start a reference such as &amp;`, line);
    if (ref in PREDEFINED) return PREDEFINED[ref];
    const code = /^#x[0-9A-Fa-f]{1,6}$/.test(ref) ? parseInt(ref.slice(2), 16) : /^#[0-9]{1,7}$/.test(ref) ? Number(ref.slice(1)) : NaN;
    if (!Number.isInteger(code) || code > 0x10ffff || code === 0) throw new XmlSyntaxError(`unknown reference &${ref};`, line);
    return String.fromCodePoint(code);
  });
}

export class XmlStreamTokenizer {
  private buffer = '';
  private line = 1;
  private readonly stack: string[] = [];
  private rootSeen = false;
  private ended = false;

  constructor(private readonly handler: XmlHandler) {}

  /** Feeds the next chunk; reports every complete token in it. */
  write(chunk: string): void {
    if (this.ended) throw new Error('xml tokenizer: write after end');
    this.buffer += chunk;
    this.drain(false);
    if (this.buffer.length > XML_TOKEN_CHARS_MAX)
      throw new XmlSyntaxError(`a token longer than ${XML_TOKEN_CHARS_MAX} characters`, this.line);
  }

  /** The end of the document: whatever is left must be complete and every element closed. */
  end(): void {
    this.drain(true);
    this.ended = true;
    if (this.stack.length > 0) throw new XmlSyntaxError(`the file ends inside <${this.stack[this.stack.length - 1]}>`, this.line);
    if (!this.rootSeen) throw new XmlSyntaxError('no root element', this.line);
  }

  private advance(consumed: string): void {
    for (let i = consumed.indexOf('\n'); i >= 0; i = consumed.indexOf('\n', i + 1)) this.line++;
  }

  private drain(final: boolean): void {
    let pos = 0;
    const b = this.buffer;
    for (;;) {
      const lt = b.indexOf('<', pos);
      const textEnd = lt < 0 ? (final ? b.length : pos) : lt;
      if (textEnd > pos) {
        this.onText(b.slice(pos, textEnd));
        pos = textEnd;
      }
      if (lt < 0) break;
      const end = this.tokenEnd(b, lt);
      if (end < 0) {
        if (final) throw new XmlSyntaxError('the file ends inside a tag', this.line);
        break;
      }
      this.onMarkup(b.slice(lt, end));
      pos = end;
    }
    this.buffer = b.slice(pos);
  }

  /** The index just past the markup starting at `lt`, or -1 when it is not complete yet. */
  private tokenEnd(b: string, lt: number): number {
    const closeOf = (marker: string) => {
      const i = b.indexOf(marker, lt);
      return i < 0 ? -1 : i + marker.length;
    };
    if (b.startsWith('<!--', lt)) return closeOf('-->');
    if (b.startsWith('<![CDATA[', lt)) return closeOf(']]>');
    if (b.startsWith('<?', lt)) return closeOf('?>');
    if (b.length - lt < 9 && '<![CDATA['.startsWith(b.slice(lt))) return -1;
    let quote = '';
    for (let i = lt + 1; i < b.length; i++) {
      const c = b[i];
      if (quote !== '') {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '>') return i + 1;
    }
    return -1;
  }

  private onText(raw: string): void {
    const line = this.line;
    this.advance(raw);
    if (this.stack.length === 0) {
      if (raw.trim() !== '' && raw.replace(/^\uFEFF/, '').trim() !== '') throw new XmlSyntaxError('text outside the root element', line);
      return;
    }
    this.handler.text(decodeEntities(raw, line));
  }

  private onMarkup(token: string): void {
    const line = this.line;
    this.advance(token);
    if (token.startsWith('<!--') || token.startsWith('<?')) return;
    if (token.startsWith('<![CDATA[')) {
      if (this.stack.length === 0) throw new XmlSyntaxError('CDATA outside the root element', line);
      this.handler.text(token.slice(9, -3));
      return;
    }
    if (token.startsWith('<!')) throw new XmlSyntaxError('a DOCTYPE or declaration is not accepted in a bank file', line);
    if (token.startsWith('</')) return this.onClose(token.slice(2, -1).trim(), line);
    this.onOpen(token, line);
  }

  private onOpen(token: string, line: number): void {
    const selfClosing = token.endsWith('/>');
    const inner = token.slice(1, selfClosing ? -2 : -1);
    const nameEnd = inner.search(/[\s/]|$/);
    const qualified = inner.slice(0, nameEnd);
    if (!NAME.test(qualified)) throw new XmlSyntaxError(`bad element name ${JSON.stringify(qualified.slice(0, 40))}`, line);
    if (this.stack.length === 0 && this.rootSeen) throw new XmlSyntaxError(`a second root element <${qualified}>`, line);
    if (this.stack.length >= XML_DEPTH_MAX) throw new XmlSyntaxError(`elements nested deeper than ${XML_DEPTH_MAX}`, line);
    const attributes = this.attributesOf(inner.slice(nameEnd), qualified, line);
    this.rootSeen = true;
    const name = localName(qualified);
    this.stack.push(qualified);
    this.handler.open(name, attributes, line);
    if (selfClosing) this.onClose(qualified, line);
  }

  private attributesOf(rest: string, element: string, line: number): Record<string, string> {
    const out: Record<string, string> = {};
    let pos = 0;
    for (;;) {
      while (pos < rest.length && /\s/.test(rest[pos])) pos++;
      if (pos >= rest.length) return out;
      ATTRIBUTE.lastIndex = pos;
      const m = ATTRIBUTE.exec(rest);
      if (m === null) throw new XmlSyntaxError(`bad attribute in <${element}>: ${JSON.stringify(rest.slice(pos, pos + 40))}`, line);
      const name = localName(m[1]);
      if (m[1] in out || name in out) throw new XmlSyntaxError(`attribute ${m[1]} given twice in <${element}>`, line);
      out[m[1].startsWith('xmlns') ? m[1] : name] = decodeEntities(m[2].slice(1, -1), line);
      pos = ATTRIBUTE.lastIndex;
    }
  }

  private onClose(qualified: string, line: number): void {
    const open = this.stack.pop();
    if (open === undefined) throw new XmlSyntaxError(`</${qualified}> closes nothing`, line);
    if (open !== qualified) throw new XmlSyntaxError(`</${qualified}> closes <${open}>`, line);
    this.handler.close(localName(qualified), line);
  }
}
