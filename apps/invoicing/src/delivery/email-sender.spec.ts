import { classifySmtpError } from './email-sender';

describe('classifySmtpError', () => {
  it.each([
    [{ responseCode: 550, command: 'RCPT TO', code: 'EENVELOPE', message: 'no such user' }, 'BOUNCED'],
    [{ responseCode: 550, code: 'EENVELOPE', message: 'all recipients rejected' }, 'BOUNCED'],
    [{ responseCode: 552, command: 'DATA', code: 'EMESSAGE', message: 'too big' }, 'PERMANENT'],
    [{ responseCode: 451, command: 'DATA', code: 'EMESSAGE', message: 'try later' }, 'TRANSIENT'],
    [{ code: 'ECONNECTION', message: 'connect ECONNREFUSED' }, 'TRANSIENT'],
    [{ code: 'ETIMEDOUT', message: 'timeout' }, 'TRANSIENT'],
    [new Error('anything else'), 'TRANSIENT'],
  ])('%p is %s', (err, kind) => {
    const f = classifySmtpError(err);
    expect(f.kind).toBe(kind);
    expect(f.message).toContain((err as { message: string }).message);
  });
});
