/**
 * PORTAL: the document is "delivered" once the portal can serve it, i.e. once its PDF is in the
 * document store (the API serves it to a caller entitled to the account). Nothing leaves the
 * system, so a repeat is harmless. A missing document is retried (rendering may still be writing it).
 */
import { DocumentBytes, SendFailure, Sender, SendRequest, SendResult } from './ports';

export class PortalSender implements Sender {
  constructor(private readonly documents: DocumentBytes) {}

  async send(req: SendRequest): Promise<SendResult> {
    const key = req.payload.attachmentKey;
    if (key === undefined) throw new SendFailure('PERMANENT', 'a PORTAL delivery needs payload.attachmentKey');
    try {
      await this.documents.get(key);
    } catch (err) {
      throw new SendFailure('TRANSIENT', `document ${key} not in the store yet: ${err instanceof Error ? err.message : String(err)}`);
    }
    return { providerMessageId: `portal:${key}` };
  }
}
