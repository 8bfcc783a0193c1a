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

/** The attributes of a start tag that has none (shared, never written to). */
export const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

/** Slots of the element-name cache (a power of two): a bank file names a few dozen elements. */
const NAME_CACHE_SLOTS = 256;
/** Per ASCII character code, from NAME: 2 when it may start an element name, 1 when it may only follow, 0 otherwise. */
const NAME_CHARS = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) t[c] = NAME.test(String.fromCharCode(c)) ? 2 : NAME.test(`a${String.fromCharCode(c)}`) ? 1 : 0;
  return t;
})();

const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const WHITESPACE = /\s/;

/** Whether the character code ends an element's name in a start tag: white space (as /\s/ has it) or '/'. */
function endsName(c: number): boolean {
  if (c === SLASH || c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
  return c > 0x7f && WHITESPACE.test(String.fromCharCode(c));
}

/** True when `s` starts and ends with a printable ASCII character, so trim() would leave it as it is. */
function trimmedEnds(s: string): boolean {
  if (s.length === 0) return true;
  const first = s.charCodeAt(0);
  const last = s.charCodeAt(s.length - 1);
  return first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f;
}

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
  /** The next newline of the buffer at or after the position reached (drain), -1 when none. */
  private newline = -1;
  private readonly stack: string[] = [];
  /** The local names (without prefix) of `stack`'s elements. */
  private readonly locals: string[] = [];
  /**
   * Element names already seen, by a hash of their characters, each with its local name: a tag whose name is
   * cached gives the cached strings instead of a new slice (two strings a tag less, and the handler's
   * comparisons of names meet the same string).
   */
  private readonly cachedNames: (string | undefined)[] = new Array<string | undefined>(NAME_CACHE_SLOTS).fill(undefined);
  private readonly cachedLocals: string[] = new Array<string>(NAME_CACHE_SLOTS).fill('');
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

  /**
   * Reports every complete token of the buffer and keeps the incomplete rest. Tokens are read in place by
   * character code, without a copy of each token; lines are counted by one forward scan for newlines.
   */
  private drain(final: boolean): void {
    let pos = 0;
    const b = this.buffer;
    this.newline = b.indexOf('\n');
    for (;;) {
      const lt = b.indexOf('<', pos);
      const textEnd = lt < 0 ? (final ? b.length : pos) : lt;
      if (textEnd > pos) {
        const line = this.line;
        this.advanceTo(b, textEnd);
        this.onText(b.slice(pos, textEnd), line);
        pos = textEnd;
      }
      if (lt < 0) break;
      const end = this.tokenEnd(b, lt);
      if (end < 0) {
        if (final) throw new XmlSyntaxError('the file ends inside a tag', this.line);
        break;
      }
      const line = this.line;
      this.advanceTo(b, end);
      this.onMarkup(b, lt, end, line);
      pos = end;
    }
    this.buffer = pos === 0 ? b : b.slice(pos);
  }

  /** Counts the lines of `b` up to `to` (the newline scan moves forward only, once over the buffer). */
  private advanceTo(b: string, to: number): void {
    while (this.newline >= 0 && this.newline < to) {
      this.line++;
      this.newline = b.indexOf('\n', this.newline + 1);
    }
  }

  /** The index just past the markup starting at `lt`, or -1 when it is not complete yet. */
  private tokenEnd(b: string, lt: number): number {
    const next = b.charCodeAt(lt + 1);
    if (next !== BANG && next !== QUESTION && !Number.isNaN(next)) {
      // A start or end tag: its first '>', unless a quoted attribute value comes before it.
      const gt = b.indexOf('>', lt + 1);
      if (gt < 0) return -1;
      let quoted = false;
      for (let i = lt + 1; i < gt && !quoted; i++) {
        const c = b.charCodeAt(i);
        quoted = c === DOUBLE_QUOTE || c === SINGLE_QUOTE;
      }
      if (!quoted) return gt + 1;
    }
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

  private onText(raw: string, line: number): void {
    if (this.stack.length === 0) {
      if (raw.trim() !== '' && raw.replace(/^\uFEFF/, '').trim() !== '') throw new XmlSyntaxError('text outside the root element', line);
      return;
    }
    this.handler.text(decodeEntities(raw, line));
  }

  /** The markup `b[lt, end)`, which starts on `line`. */
  private onMarkup(b: string, lt: number, end: number, line: number): void {
    const next = b.charCodeAt(lt + 1);
    if (next === SLASH) {
      // The usual end tag names the element open, with nothing around the name: no new string.
      const open = this.stack.length === 0 ? undefined : this.stack[this.stack.length - 1];
      if (open !== undefined && end - 1 - (lt + 2) === open.length && b.startsWith(open, lt + 2)) return this.onClose(open, line);
      const name = b.slice(lt + 2, end - 1);
      return this.onClose(trimmedEnds(name) ? name : name.trim(), line);
    }
    if (next !== BANG && next !== QUESTION) return this.onOpen(b, lt, end, line);
    const token = b.slice(lt, end);
    if (token.startsWith('<!--') || token.startsWith('<?')) return;
    if (token.startsWith('<![CDATA[')) {
      if (this.stack.length === 0) throw new XmlSyntaxError('CDATA outside the root element', line);
      this.handler.text(token.slice(9, -3));
      return;
    }
    throw new XmlSyntaxError('a DOCTYPE or declaration is not accepted in a bank file', line);
  }

  /** The start tag `b[lt, end)`. */
  private onOpen(b: string, lt: number, end: number, line: number): void {
    const selfClosing = b.charCodeAt(end - 2) === SLASH;
    const innerEnd = selfClosing ? end - 2 : end - 1;
    // The name, read once: where it ends, whether NAME accepts it, a hash of its characters for the cache.
    let nameEnd = lt + 1;
    let valid = nameEnd < innerEnd && b.charCodeAt(nameEnd) < 0x80 && NAME_CHARS[b.charCodeAt(nameEnd)] === 2;
    let hash = 0;
    for (; nameEnd < innerEnd; nameEnd++) {
      const c = b.charCodeAt(nameEnd);
      if (endsName(c)) break;
      if (c >= 0x80 || NAME_CHARS[c] === 0) valid = false;
      hash = (hash * 31 + c) | 0;
    }
    const slot = hash & (NAME_CACHE_SLOTS - 1);
    let qualified = this.cachedNames[slot];
    let name: string;
    if (qualified !== undefined && qualified.length === nameEnd - lt - 1 && b.startsWith(qualified, lt + 1)) name = this.cachedLocals[slot];
    else {
      qualified = b.slice(lt + 1, nameEnd);
      if (!valid) throw new XmlSyntaxError(`bad element name ${JSON.stringify(qualified.slice(0, 40))}`, line);
      name = localName(qualified);
      this.cachedNames[slot] = qualified;
      this.cachedLocals[slot] = name;
    }
    if (this.stack.length === 0 && this.rootSeen) throw new XmlSyntaxError(`a second root element <${qualified}>`, line);
    if (this.stack.length >= XML_DEPTH_MAX) throw new XmlSyntaxError(`elements nested deeper than ${XML_DEPTH_MAX}`, line);
    const attributes = nameEnd === innerEnd ? NO_ATTRIBUTES : this.attributesOf(b.slice(nameEnd, innerEnd), qualified, line);
    this.rootSeen = true;
    this.stack.push(qualified);
    this.locals.push(name);
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
    const name = this.locals.pop();
    if (open === undefined || name === undefined) throw new XmlSyntaxError(`</${qualified}> closes nothing`, line);
    if (open !== qualified) throw new XmlSyntaxError(`</${qualified}> closes <${open}>`, line);
    this.handler.close(name, line);
  }
}
