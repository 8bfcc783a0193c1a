import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsDocumentBytes } from './fs-document-bytes';
import { PortalSender } from './portal-sender';

describe('PortalSender on a document folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portal-'));
  writeFileSync(join(dir, 'INV-1.pdf'), '%PDF-1.7');
  const sender = new PortalSender(new FsDocumentBytes(dir));
  const req = (attachmentKey?: string) => ({ idempotencyKey: 'INV-1:PORTAL', recipient: 'acc-1', payload: { text: '', attachmentKey } });

  it('is sent once the PDF is in the store', async () => {
    await expect(sender.send(req('INV-1.pdf'))).resolves.toEqual({ providerMessageId: 'portal:INV-1.pdf' });
  });

  it.each([
    ['INV-2.pdf', 'TRANSIENT'],
    ['../outside.pdf', 'TRANSIENT'],
    [undefined, 'PERMANENT'],
  ])('%p is %s', async (key, kind) => {
    await expect(sender.send(req(key))).rejects.toMatchObject({ kind });
  });
});
