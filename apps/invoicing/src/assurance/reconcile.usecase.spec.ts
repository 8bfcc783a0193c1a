/** The use case's own rules, with in-memory ports (the servers are covered by test/assurance.e2e-spec.ts). */
import { InvoicingError, InvoicingErrorCode } from '../api/invoicing-error';
import type { PublishedEventSource, PublishedScan } from './published-events';
import { ReconcileUseCase } from './reconcile.usecase';
import type { StoredEventReader } from './stored-events';

const emptyScan = (): PublishedScan => ({
  subjectFilter: 'ratel.rated.v1.>',
  events: new Map(),
  messages: 0,
  duplicates: 0,
  conflictingDuplicates: 0,
  invalid: 0,
  outsidePeriod: 0,
  streamCoversPeriod: false,
});

const settings = (eventsMax: number) => ({
  stream: 'S',
  eventsMax,
  accountsMax: 10,
  scanMessagesMax: 100,
  publishDelayMaxMs: 0,
});
const settled = () => new Promise((r) => setImmediate(r));
const noStored: StoredEventReader = { totals: async () => [], events: async () => [] };
const command = { fromMs: Date.UTC(2026, 10, 1), toMs: Date.UTC(2026, 11, 1) };

describe('ReconcileUseCase', () => {
  it('runs one reconciliation at a time per process (BUSY)', async () => {
    let release!: () => void;
    const slow: PublishedEventSource = { scan: () => new Promise((r) => (release = () => r(emptyScan()))) };
    const useCase = new ReconcileUseCase(slow, noStored, settings(10));
    const first = useCase.execute(command);
    const second = await useCase.execute(command).catch((e: unknown) => e);
    expect((second as InvoicingError).code).toBe(InvoicingErrorCode.BUSY);
    await settled(); // the stored side is read first, then the scan starts
    release();
    const report = await first;
    expect(report.clean).toBe(true);
    expect(report.warnings).toEqual([expect.stringContaining('retention')]);
    // Free again once the first has finished.
    const third = useCase.execute(command);
    await settled();
    release();
    await expect(third).resolves.toMatchObject({ clean: true });
  });

  it('refuses to compare when ClickHouse returns more lines than the bound', async () => {
    const published: PublishedEventSource = { scan: async () => emptyScan() };
    const line = { accountId: 'a', type: 'DEBIT' as const, events: 1n, amountMicros: 1n, idFingerprint: 1n };
    const many: StoredEventReader = {
      totals: async () => [line, { ...line, accountId: 'b' }, { ...line, accountId: 'c' }],
      events: async () => [],
    };
    const err = await new ReconcileUseCase(published, many, settings(2)).execute(command).catch((e: unknown) => e);
    expect((err as InvoicingError).code).toBe(InvoicingErrorCode.LIMIT_EXCEEDED);
  });
});
