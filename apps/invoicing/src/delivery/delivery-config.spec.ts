import { ConfigError } from '@app/config';
import { loadDeliveryConfig, printableDeliveryConfig } from './delivery-config';
import { DELIVERY_ATTEMPTS_MAX, DELIVERY_LEASE_MS } from './delivery-limits';

const base = { DATABASE_URL: 'postgres://u:secret@db:5432/ratel' };

describe('delivery config', () => {
  it('has defaults for everything but the database', () => {
    const c = loadDeliveryConfig(base);
    expect(c).toMatchObject({
      DELIVERY_LEASE_MS,
      DELIVERY_ATTEMPTS_MAX,
      DELIVERY_IN_DOUBT_EMAIL: 'RESEND',
      DELIVERY_NOTIFY_CHANNEL: 'SMS',
      DELIVERY_DEFAULT_LANGUAGE: 'en',
      NATS_URL: '',
      DELIVERY_SMTP_URL: '',
    });
  });

  it.each([
    [{}, 'DATABASE_URL'],
    [{ ...base, DELIVERY_LEASE_MS: '10' }, 'DELIVERY_LEASE_MS'],
    [{ ...base, DELIVERY_ATTEMPTS_MAX: '0' }, 'DELIVERY_ATTEMPTS_MAX'],
    [{ ...base, DELIVERY_IN_DOUBT_EMAIL: 'MAYBE' }, 'DELIVERY_IN_DOUBT_EMAIL'],
    [{ ...base, DELIVERY_SMTP_URL: 'not a url' }, 'DELIVERY_SMTP_URL'],
    [{ ...base, DELIVERY_DEFAULT_LANGUAGE: 'de' }, 'DELIVERY_DEFAULT_LANGUAGE'],
    [{ ...base, DELIVERY_NOTIFY_CHANNEL: 'WEBHOOK' }, 'DELIVERY_PUSH_WEBHOOK_URL'],
  ])('refuses %p naming %s', (env, name) => {
    expect(() => loadDeliveryConfig(env)).toThrow(ConfigError);
    expect(() => loadDeliveryConfig(env)).toThrow(name);
  });

  it('never prints credentials of URLs', () => {
    const c = loadDeliveryConfig({ ...base, DELIVERY_SMTP_URL: 'smtp://mailer:pw@smtp.example.org:587' });
    const printed = JSON.stringify(printableDeliveryConfig(c));
    expect(printed).not.toContain('secret');
    expect(printed).not.toContain('pw');
    expect(printed).toContain('smtp.example.org:587');
  });
});
