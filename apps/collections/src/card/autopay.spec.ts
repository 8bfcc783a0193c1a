import { autopayAttemptFor, CARD_AUTOPAY_RETRY_OFFSETS_DAYS } from './card-autopay.usecase';

describe('auto-pay attempts', () => {
  it.each([
    [-1, 0],
    [0, 1],
    [1, 2],
    [2, 2],
    [3, 3],
    [6, 3],
    [7, 4],
    [30, 4],
  ])('%i days past due: attempt %i', (days, attempt) => {
    expect(autopayAttemptFor(days)).toBe(attempt);
  });

  it('retries on the due date, then +1, +3 and +7 days', () => {
    expect(CARD_AUTOPAY_RETRY_OFFSETS_DAYS).toEqual([0, 1, 3, 7]);
  });
});
