import { FakeClock } from '@app/observability';
import { PROGRESS_LINE_INTERVAL_MS, progressText, startProgress, withTimedProgress } from './progress';

/** A stream that keeps what is written, as a terminal (isTTY) or as a pipe/file. */
class FakeStream {
  readonly chunks: string[] = [];
  readonly columns = 100;
  constructor(readonly isTTY: boolean) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
}

describe('progressText', () => {
  it('gives counts, share, rate and elapsed time', () => {
    expect(progressText({ done: 12_000, total: 100_000, unit: 'subscribers', elapsedMs: 4_000 })).toBe(
      '12,000/100,000 subscribers (12.0 %), 3,000/s, 4.0 s',
    );
    expect(progressText({ done: 7, unit: 'files', elapsedMs: 0 })).toBe('7 files, -/s, 0.0 s');
  });
});

describe('startProgress without a terminal', () => {
  it('writes a plain line every tenth of the total, then a final line', () => {
    const clock = new FakeClock(1_000);
    const stream = new FakeStream(false);
    const p = startProgress({ label: 'seed', total: 100, unit: 'subscribers', stream, nowMs: () => clock.nowMs() });
    for (let i = 0; i < 25; i++) {
      clock.advance(100);
      p.increment();
    }
    p.stop();
    p.stop();
    expect(stream.text).toBe(
      [
        'seed: 10/100 subscribers (10.0 %), 10/s, 1.0 s',
        'seed: 20/100 subscribers (20.0 %), 10/s, 2.0 s',
        'seed: done, 25/100 subscribers (25.0 %), 10/s, 2.5 s',
        '',
      ].join('\n'),
    );
    expect(stream.text).not.toContain('\x1b');
  });

  it('writes a line at least every interval when the total is unknown', () => {
    const clock = new FakeClock(0);
    const stream = new FakeStream(false);
    const p = startProgress({ label: 'cdr', unit: 'records', stream, nowMs: () => clock.nowMs() });
    p.increment(500);
    clock.advance(PROGRESS_LINE_INTERVAL_MS);
    p.increment(500);
    clock.advance(1_000);
    p.update(1_200);
    p.log('a line of its own');
    p.stop();
    expect(stream.chunks).toEqual([
      'cdr: 1,000 records, 100/s, 10.0 s\n',
      'a line of its own\n',
      'cdr: done, 1,200 records, 109/s, 11.0 s\n',
    ]);
  });

  it('honours an explicit item step and refuses a bad total', () => {
    const stream = new FakeStream(false);
    const p = startProgress({ label: 'x', total: 1_000, stream, lineEveryItems: 400, nowMs: () => 0 });
    for (let i = 0; i < 10; i++) p.increment(100);
    expect(stream.chunks).toHaveLength(2);
    expect(() => startProgress({ label: 'x', total: -1, stream })).toThrow(/non-negative integer/);
  });
});

describe('startProgress on a terminal', () => {
  it('draws a bar in place and ends it with a newline', () => {
    const clock = new FakeClock(0);
    const stream = new FakeStream(true);
    const p = startProgress({ label: 'rebuild', total: 4, unit: 'accounts', stream, nowMs: () => clock.nowMs() });
    clock.advance(2_000);
    p.update(2);
    p.log('account a1 failed');
    p.stop();
    const text = stream.text;
    expect(text).toContain('rebuild [------------------------------] 0/4 accounts (0.0 %)');
    expect(text).toContain('rebuild [###############---------------] 2/4 accounts (50.0 %), 1/s, 2.0 s');
    expect(text).toContain('account a1 failed\n');
    expect(text).toContain('\x1b['); // cursor movement / line clearing: a terminal, not a log
    expect(text.endsWith('\n')).toBe(true);
  });

  it('shows counts without a bar when the total is unknown', () => {
    const stream = new FakeStream(true);
    const p = startProgress({ label: 'scan', unit: 'messages', stream, nowMs: () => 0 });
    p.increment(3);
    p.stop();
    expect(stream.text).toContain('scan 3 messages');
    expect(stream.text).not.toMatch(/\[[#-]/);
  });
});

describe('withTimedProgress', () => {
  afterEach(() => jest.useRealTimers());

  it('advances in seconds while the work runs, held at the expected length, without a rate', async () => {
    jest.useFakeTimers();
    const clock = new FakeClock(0);
    const stream = new FakeStream(false);
    let finish!: (v: string) => void;
    const work = new Promise<string>((r) => (finish = r));
    const result = withTimedProgress({ label: 'echo', expectedMs: 12_000, stream, nowMs: () => clock.nowMs() }, work);
    for (let s = 0; s < 15; s++) {
      clock.advance(1_000);
      jest.advanceTimersByTime(1_000);
    }
    finish('row');
    await expect(result).resolves.toBe('row');
    expect(stream.chunks).toEqual(['echo: 10/12 s (83.3 %), 10.0 s\n', 'echo: done, 12/12 s (100.0 %), 15.0 s\n']);
  });
});
