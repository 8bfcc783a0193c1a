import { PeriodicTask } from './periodic-task';

describe('PeriodicTask', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs every interval, timed from the end of the previous run, never two at once', async () => {
    let runs = 0;
    let release!: () => void;
    const task = new PeriodicTask(1_000, () => {
      runs++;
      return new Promise<void>((r) => (release = r));
    });
    task.start();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(1);
    await jest.advanceTimersByTimeAsync(5_000); // the first run is still going
    expect(runs).toBe(1);
    release();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(2);
    release();
    await task.stop();
  });

  it('stop() waits for the run in progress and schedules no more', async () => {
    let runs = 0;
    let release!: () => void;
    const task = new PeriodicTask(100, () => {
      runs++;
      return new Promise<void>((r) => (release = r));
    });
    task.start();
    await jest.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(task.isRunning).toBe(false);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(runs).toBe(1);
  });
});
