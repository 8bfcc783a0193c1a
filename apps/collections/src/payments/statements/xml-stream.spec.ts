import { XmlStreamTokenizer, XmlSyntaxError } from './xml-stream';

/** The events of `xml` fed in chunks of `size` characters, as a list of strings. */
function events(xml: string, size = xml.length): string[] {
  const out: string[] = [];
  const t = new XmlStreamTokenizer({
    open: (name, attrs, line) =>
      out.push(
        `<${name}${Object.entries(attrs)
          .map(([k, v]) => ` ${k}=${v}`)
          .join('')}@${line}`,
      ),
    text: (text) => (text.trim() === '' ? undefined : out.push(`"${text}"`)),
    close: (name, line) => out.push(`/${name}@${line}`),
  });
  for (let i = 0; i < xml.length; i += size) t.write(xml.slice(i, i + size));
  t.end();
  return out;
}

const DOC = `<?xml version="1.0"?>\n<!-- a > comment -->\n<p:Doc xmlns:p="urn:x" a='1 > 0'>\n  <Amt Ccy="EUR">1&amp;2&#x41;&#66;</Amt>\n  <E/><T><![CDATA[<raw> & ]]></T>\n</p:Doc>\n`;

describe('XmlStreamTokenizer', () => {
  it('reports elements, attributes, decoded text, CDATA and lines, whatever the chunking', () => {
    const expected = [
      '<Doc xmlns:p=urn:x a=1 > 0@3',
      '<Amt Ccy=EUR@4',
      '"1&2AB"',
      '/Amt@4',
      '<E@5',
      '/E@5',
      '<T@5',
      '"<raw> & "',
      '/T@5',
      '/Doc@6',
    ];
    for (const size of [1, 2, 3, 7, 64, DOC.length]) expect(events(DOC, size)).toEqual(expected);
  });

  it('reads tags spread over lines, end tags with white space before ">", and a ">" inside a quoted value, whatever the chunking', () => {
    const xml = `<Doc>\r\n<A\n  k="x>y"\n  j='1'/><B>t\nu</B\n ><C></C  ></Doc >\n`;
    const expected = ['<Doc@1', '<A k=x>y j=1@2', '/A@2', '<B@4', '"t\nu"', '/B@5', '<C@6', '/C@6', '/Doc@6'];
    for (const size of [1, 2, 5, xml.length]) expect(events(xml, size)).toEqual(expected);
  });

  it.each([
    ['a mismatched end tag', '<a><b></a>', 'line 1: </a> closes <b>'],
    ['an unclosed element', '<a>\n<b>', 'line 2: the file ends inside <b>'],
    ['a second root', '<a/><b/>', 'line 1: a second root element <b>'],
    ['text outside the root', '<a/>x', 'line 1: text outside the root element'],
    ['a DOCTYPE', '<!DOCTYPE a [<!ENTITY x "y">]><a/>', 'line 1: a DOCTYPE or declaration is not accepted in a bank file'],
    ['an unknown entity', '<a>&nbsp;</a>', 'line 1: unknown reference &nbsp;'],
    ['a bare ampersand', '<a>R & D</a>', 'line 1: "&" must start a reference such as &amp;'],
    ['an attribute twice', '<a x="1" x="2"/>', 'line 1: attribute x given twice in <a>'],
    ['an empty file', '', 'line 1: no root element'],
  ])('refuses %s with its line', (_what, xml, message) => {
    expect(() => events(xml)).toThrow(new XmlSyntaxError(message.replace(/^line \d+: /, ''), Number(/^line (\d+)/.exec(message)![1])));
  });
});
