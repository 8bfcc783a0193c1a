import { NOTIFICATION_SCHEMA, type Notification } from '@app/events';
import { assertTemplatesComplete, languageOf, renderNotification } from './notification-templates';

const base: Notification = {
  schema: NOTIFICATION_SCHEMA,
  eventId: 'a'.repeat(40),
  type: 'LOW_BALANCE',
  accountId: 'acc-1',
  thresholdMicros: '5000000',
  balanceAfterMicros: '4250000',
  currency: 'EUR',
  occurredAtMs: 1_764_547_200_000,
};

describe('notification templates', () => {
  it('has every type in every language', () => {
    expect(() => assertTemplatesComplete()).not.toThrow();
  });

  it.each([
    ['en', 'LOW_BALANCE', 'Your balance is 4.25 EUR, at or below 5.00 EUR. Top up to keep your services running.'],
    [
      'fr',
      'LOW_BALANCE',
      'Votre solde est de 4,25 EUR, au niveau ou en dessous de 5,00 EUR. Rechargez pour continuer à utiliser vos services.',
    ],
  ] as const)('renders %s %s', (lang, type, text) => {
    expect(renderNotification({ ...base, type }, lang)).toBe(text);
  });

  it('renders exhaustion with a negative balance, exactly, in the currency decimals', () => {
    const n: Notification = { ...base, type: 'BALANCE_EXHAUSTED', thresholdMicros: '0', balanceAfterMicros: '-1234', currency: 'JPY' };
    expect(renderNotification(n, 'en')).toBe(
      'Your balance is used up (-0.001234 JPY). Top up now to make calls, send messages and use data again.',
    );
    expect(renderNotification({ ...n, balanceAfterMicros: '0', currency: 'EUR' }, 'fr')).toContain('(0,00 EUR)');
  });

  it.each([
    ['fr-FR', 'fr'],
    ['FR', 'fr'],
    ['en_GB', 'en'],
    ['de', 'en'],
    [null, 'en'],
    ['', 'en'],
  ] as const)('language of %p is %p (fallback en)', (preferred, lang) => {
    expect(languageOf(preferred, 'en')).toBe(lang);
  });
});
