/**
 * A small streaming XML writer: elements, attributes and text, escaped, no indentation (the bytes
 * are the document; whitespace in mixed content would change it). Text with a character XML 1.0
 * cannot hold (C0 controls other than tab, line feed, carriage return; lone surrogates; U+FFFE/F)
 * is refused rather than silently dropped.
 */
import { RenderError, RenderErrorCode } from '../render-error';

/* eslint-disable no-control-regex -- matching the control characters XML forbids is the point */
const FORBIDDEN_IN_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/* eslint-enable no-control-regex */
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

/** `text` escaped for element content and attribute values alike. */
export function escapeXml(text: string): string {
  if (FORBIDDEN_IN_XML.test(text)) {
    throw new RenderError(
      RenderErrorCode.INVALID_VIEW,
      `text holds a character XML cannot represent: ${JSON.stringify(text.slice(0, 40))}`,
    );
  }
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export type XmlAttributes = Readonly<Record<string, string | undefined>>;

export class XmlWriter {
  private readonly parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n'];
  private readonly open: string[] = [];

  /** Opens `name`; attributes whose value is undefined are left out. */
  start(name: string, attributes?: XmlAttributes): this {
    this.parts.push(`<${checkName(name)}${renderAttributes(attributes)}>`);
    this.open.push(name);
    return this;
  }

  end(): this {
    const name = this.open.pop();
    if (name === undefined) throw new Error('XmlWriter.end() with no open element');
    this.parts.push(`</${name}>`);
    return this;
  }

  /** `<name attrs>text</name>`; nothing at all when `text` is undefined (an optional element left out). */
  leaf(name: string, text: string | undefined, attributes?: XmlAttributes): this {
    if (text === undefined) return this;
    this.parts.push(`<${checkName(name)}${renderAttributes(attributes)}>${escapeXml(text)}</${name}>`);
    return this;
  }

  /** The document; every element must be closed. */
  toString(): string {
    if (this.open.length > 0) throw new Error(`XmlWriter: unclosed elements ${this.open.join(' > ')}`);
    return this.parts.join('');
  }
}

function checkName(name: string): string {
  if (!NAME_PATTERN.test(name)) throw new Error(`XmlWriter: not an XML name: ${name}`);
  return name;
}

function renderAttributes(attributes: XmlAttributes | undefined): string {
  if (attributes === undefined) return '';
  let out = '';
  for (const [key, value] of Object.entries(attributes)) {
    if (value !== undefined) out += ` ${checkName(key)}="${escapeXml(value)}"`;
  }
  return out;
}
