import { sleep, Waker } from './sleep';

describe('sleep', () => {
  afterEach(() => jest.useRealTimers());

  it('resolves after the delay', async () => {
    jest.useFakeTimers();
    let done = false;
    const p = sleep(1_000).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it('resolves at once when the signal aborts, and leaves no timer behind', async () => {
    jest.useFakeTimers();
    const ac = new AbortController();
    const p = sleep(60_000, ac.signal);
    ac.abort();
    await p;
    expect(jest.getTimerCount()).toBe(0);
  });

  it('resolves at once on an already aborted signal', async () => {
    jest.useFakeTimers();
    await sleep(60_000, AbortSignal.abort());
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('Waker', () => {
  it('wake() ends the sleep in progress; a wake with no sleep does not end the next one early', async () => {
    jest.useFakeTimers();
    const waker = new Waker();
    waker.wake();
    let done = false;
    const p = waker.sleep(60_000).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(10);
    expect(done).toBe(false);
    waker.wake();
    await p;
    expect(done).toBe(true);
    jest.useRealTimers();
  });
});
