/**
 * EMAIL over SMTP with nodemailer: the document's PDF attached (bytes from the document store), the
 * Message-ID derived from the delivery's idempotency key (message-id.ts), so every attempt of one
 * delivery is the same message. SMTP replies map to outcomes: 5xx to a recipient is BOUNCED, any
 * other 5xx is PERMANENT, a 4xx or a lost connection is TRANSIENT (retried).
 */
import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { ATTACHMENT_MAX_BYTES, DELIVERY_SEND_TIMEOUT_MS } from './delivery-limits';
import { messageIdOf } from './message-id';
import { DocumentBytes, SendFailure, Sender, SendRequest, SendResult } from './ports';

export interface EmailSenderOptions {
  /** smtp://[user:pass@]host:port (smtps:// for implicit TLS). */
  smtpUrl: string;
  from: string;
  /** The domain part of Message-IDs. */
  messageIdDomain: string;
  documents: DocumentBytes;
  sendTimeoutMs?: number;
}

/** The header that names the delivery in every email (for support and for the test SMTP server). */
export const DELIVERY_KEY_HEADER = 'X-Ratel-Delivery-Key';

const SMTP_PERMANENT_MIN = 500;
const SMTP_TRANSIENT_MIN = 400;

export class EmailSender implements Sender {
  private readonly transport: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(private readonly o: EmailSenderOptions) {
    const timeoutMs = o.sendTimeoutMs ?? DELIVERY_SEND_TIMEOUT_MS;
    this.transport = createTransport({
      url: o.smtpUrl,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    } as SMTPTransport.Options);
  }

  async send(req: SendRequest): Promise<SendResult> {
    const attachments = [];
    if (req.payload.attachmentKey !== undefined) {
      const bytes = await this.o.documents.get(req.payload.attachmentKey);
      if (bytes.byteLength > ATTACHMENT_MAX_BYTES)
        throw new SendFailure(
          'PERMANENT',
          `attachment ${req.payload.attachmentKey} is ${bytes.byteLength} bytes, above ${ATTACHMENT_MAX_BYTES}`,
        );
      attachments.push({
        filename: req.payload.attachmentName ?? 'document.pdf',
        content: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        contentType: 'application/pdf',
      });
    }
    const messageId = messageIdOf(req.idempotencyKey, this.o.messageIdDomain);
    try {
      await this.transport.sendMail({
        from: this.o.from,
        to: req.recipient,
        subject: req.payload.subject ?? '',
        text: req.payload.text,
        messageId,
        headers: { [DELIVERY_KEY_HEADER]: req.idempotencyKey },
        attachments,
      });
    } catch (err) {
      throw classifySmtpError(err);
    }
    return { providerMessageId: messageId };
  }

  close(): void {
    this.transport.close();
  }
}

/** An SMTP failure as a SendFailure: BOUNCED for a refused recipient, PERMANENT for another 5xx, else TRANSIENT. */
export function classifySmtpError(err: unknown): SendFailure {
  const e = err as { message?: string; responseCode?: number; command?: string; code?: string };
  const message = `SMTP ${e.code ?? 'error'}${e.responseCode ? ` ${e.responseCode}` : ''}: ${e.message ?? String(err)}`;
  const code = e.responseCode ?? 0;
  if (code >= SMTP_PERMANENT_MIN)
    return new SendFailure(e.command === 'RCPT TO' || e.code === 'EENVELOPE' ? 'BOUNCED' : 'PERMANENT', message);
  if (code >= SMTP_TRANSIENT_MIN) return new SendFailure('TRANSIENT', message);
  return new SendFailure('TRANSIENT', message);
}
