import { caseIdOf, dueSteps, type LadderStep } from './dunning';

const step = (segment: string, stepNo: number, dayOffset: number, minOverdueMinor: bigint, action: LadderStep['action']): LadderStep => ({
  segment,
  stepNo,
  dayOffset,
  minOverdueMinor,
  action,
});

const LADDER: LadderStep[] = [
  step('CONSUMER', 1, 3, 0n, 'REMINDER_EMAIL'),
  step('BUSINESS', 1, 7, 0n, 'REMINDER_EMAIL'),
  step('CONSUMER', 2, 10, 0n, 'WARNING_SMS_EMAIL'),
  step('CONSUMER', 3, 14, 500n, 'SOFT_BAR'),
  step('CONSUMER', 4, 21, 500n, 'HARD_BAR'),
];

const numbers = (s: LadderStep[]) => s.map((x) => x.stepNo);

describe('dueSteps', () => {
  it.each([
    ['before the first day', { segment: 'CONSUMER', days: 2, overdue: 1000n, taken: [] }, []],
    ['on the first day', { segment: 'CONSUMER', days: 3, overdue: 1000n, taken: [] }, [1]],
    ['every step whose day came, in step order', { segment: 'CONSUMER', days: 21, overdue: 1000n, taken: [] }, [1, 2, 3, 4]],
    ['less the steps taken', { segment: 'CONSUMER', days: 21, overdue: 1000n, taken: [1, 3] }, [2, 4]],
    ['not the bars below their minimum overdue amount', { segment: 'CONSUMER', days: 30, overdue: 499n, taken: [] }, [1, 2]],
    ['the bars at exactly their minimum', { segment: 'CONSUMER', days: 30, overdue: 500n, taken: [1, 2] }, [3, 4]],
    ['only the segment of the account', { segment: 'BUSINESS', days: 30, overdue: 1000n, taken: [] }, [1]],
    ['nothing for a segment without a policy', { segment: 'OTHER', days: 30, overdue: 1000n, taken: [] }, []],
  ])('%s', (_what, x, expected) => {
    const due = dueSteps(LADDER, { ...x, taken: new Set(x.taken) });
    expect(numbers(due)).toEqual(expected);
    expect(due.every((s) => s.segment === x.segment)).toBe(true);
  });
});

describe('caseIdOf', () => {
  it('is the day and the account, so a run opens its cases in a growing order', () => {
    expect(caseIdOf('acc-1', '2026-11-19')).toBe('dc-20261119-acc-1');
    const ids = ['acc-1', 'acc-10', 'acc-2'].map((a) => caseIdOf(a, '2026-11-19'));
    expect([...ids].sort()).toEqual(ids);
    expect(caseIdOf('acc-1', '2026-11-20') > caseIdOf('acc-9', '2026-11-19')).toBe(true);
  });

  it('hashes an account id too long to fit, in a form no account id can produce', () => {
    const long = 'a'.repeat(64);
    const id = caseIdOf(long, '2026-11-19');
    expect(id).toMatch(/^dc-20261119\.[0-9a-f]{40}$/);
    expect(id.length).toBeLessThanOrEqual(64);
    expect(caseIdOf('a'.repeat(52), '2026-11-19')).toHaveLength(64);
    expect(caseIdOf('a'.repeat(53), '2026-11-19')).toMatch(/^dc-20261119\./);
    expect(caseIdOf(long, '2026-11-19')).toBe(id);
  });

  it('names the n-th case of an account on one day with .n after it, in both forms', () => {
    expect(caseIdOf('acc-1', '2026-11-19', 2)).toBe('dc-20261119-acc-1.2');
    expect(caseIdOf('a'.repeat(50), '2026-11-19', 3)).toBe(`dc-20261119-${'a'.repeat(50)}.3`);
    expect(caseIdOf('a'.repeat(51), '2026-11-19', 12)).toMatch(/^dc-20261119\.[0-9a-f]{40}\.12$/);
    expect(caseIdOf('acc-1', '2026-11-19', 1)).toBe(caseIdOf('acc-1', '2026-11-19'));
  });
});
