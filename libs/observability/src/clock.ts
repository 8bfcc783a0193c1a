/** The clock port: every use case asks it for the time, so billing tests can use a fake clock. */
export const CLOCK = Symbol('CLOCK');

export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

/** A clock for tests that moves only when told. */
export class FakeClock implements Clock {
  constructor(private current: number) {}
  nowMs(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  set(ms: number): void {
    this.current = ms;
  }
}
