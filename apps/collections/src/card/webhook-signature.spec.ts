import { signWebhook, verifyWebhook, WEBHOOK_TOLERANCE_SECONDS } from './webhook-signature';

describe('webhook signatures', () => {
  const secret = 'whsec-test';
  const body = Buffer.from('{"id":"evt_1","type":"payment_intent.succeeded"}');
  const t = 1_800_000_000;
  const nowMs = t * 1000;

  it('accepts its own signature, within the tolerance either way', () => {
    const header = signWebhook({ secret, timestampSeconds: t, body });
    expect(verifyWebhook({ secret, header, body, nowMs })).toEqual({ ok: true, timestampSeconds: t });
    expect(verifyWebhook({ secret, header, body, nowMs: nowMs + WEBHOOK_TOLERANCE_SECONDS * 1000 }).ok).toBe(true);
    expect(verifyWebhook({ secret, header, body, nowMs: nowMs - WEBHOOK_TOLERANCE_SECONDS * 1000 }).ok).toBe(true);
  });

  it('accepts any of several v1 signatures (secret rotation)', () => {
    const good = signWebhook({ secret, timestampSeconds: t, body }).split(',')[1];
    const other = signWebhook({ secret: 'old', timestampSeconds: t, body }).split(',')[1];
    expect(verifyWebhook({ secret, header: `t=${t},${other},${good}`, body, nowMs }).ok).toBe(true);
  });

  it.each([
    ['missing', undefined, 'MISSING'],
    ['empty', '', 'MISSING'],
    ['no timestamp', `v1=${'a'.repeat(64)}`, 'MALFORMED'],
    ['no v1', `t=${t}`, 'MALFORMED'],
    ['short mac', `t=${t},v1=abcd`, 'MALFORMED'],
    ['too long', `t=${t},v1=${'a'.repeat(2000)}`, 'MALFORMED'],
    ['wrong mac', `t=${t},v1=${'a'.repeat(64)}`, 'MISMATCH'],
  ])('refuses a %s header', (_name, header, reason) => {
    expect(verifyWebhook({ secret, header, body, nowMs })).toEqual({ ok: false, reason });
  });

  it('refuses another secret, another body and a changed timestamp', () => {
    const header = signWebhook({ secret, timestampSeconds: t, body });
    expect(verifyWebhook({ secret: 'other', header, body, nowMs }).ok).toBe(false);
    expect(verifyWebhook({ secret, header, body: Buffer.from(`${body.toString()} `), nowMs }).ok).toBe(false);
    expect(verifyWebhook({ secret, header: header.replace(`t=${t}`, `t=${t + 1}`), body, nowMs }).ok).toBe(false);
  });

  it('refuses a correct signature outside the tolerance (replay)', () => {
    const header = signWebhook({ secret, timestampSeconds: t, body });
    const late = nowMs + (WEBHOOK_TOLERANCE_SECONDS + 1) * 1000;
    const early = nowMs - (WEBHOOK_TOLERANCE_SECONDS + 1) * 1000;
    expect(verifyWebhook({ secret, header, body, nowMs: late })).toEqual({ ok: false, reason: 'STALE' });
    expect(verifyWebhook({ secret, header, body, nowMs: early })).toEqual({ ok: false, reason: 'STALE' });
  });
});
