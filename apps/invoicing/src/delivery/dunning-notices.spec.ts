/** Dunning notice texts: every template in every language, amounts exact in the currency's decimals and the language's separator. */
import { assertDunningTemplatesComplete, renderDunningNotice } from './dunning-notices';

const EVENT = { accountId: 'acc-7', currency: 'EUR', overdueMinor: '1234501', oldestDueDate: '2026-10-15' };

describe('renderDunningNotice', () => {
  it('has a subject and a text for every template in every language', () => {
    expect(() => assertDunningTemplatesComplete()).not.toThrow();
  });

  it('fills the amount exactly, the due date and the account', () => {
    expect(renderDunningNotice(EVENT, 'REMINDER', 'en')).toEqual({
      subject: 'Payment reminder: 12345.01 EUR overdue',
      text: expect.stringContaining('12345.01 EUR overdue since 2026-10-15 on account acc-7'),
    });
    expect(renderDunningNotice(EVENT, 'WARNING', 'fr').subject).toBe('Mise en demeure : 12345,01 EUR en retard');
    expect(renderDunningNotice({ ...EVENT, currency: 'JPY', overdueMinor: '500' }, 'TERMINATION', 'en').subject).toBe(
      'Notice of termination: 500 JPY unpaid',
    );
    expect(renderDunningNotice({ ...EVENT, overdueMinor: '7' }, 'REMINDER', 'en').subject).toBe('Payment reminder: 0.07 EUR overdue');
  });
});
