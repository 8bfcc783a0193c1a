/**
 * The one interruptible sleep: resolves after `ms` (a timer even for 0, so a loop never starves I/O),
 * or at once when `signal` aborts. Never rejects.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * A sleep that a loop's stop() (or any other event) cuts short: `wake()` ends the sleep in
 * progress, if any. The journal, the relay and the sink each hold one.
 */
export class Waker {
  private controller?: AbortController;

  sleep(ms: number): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    return sleep(ms, controller.signal).finally(() => {
      if (this.controller === controller) this.controller = undefined;
    });
  }

  wake(): void {
    this.controller?.abort();
  }
}
