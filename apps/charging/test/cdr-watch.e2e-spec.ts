/**
 * The watched directory: only complete `*.csv` files are taken, rated, and moved to processed/;
 * a bad file goes to failed/ with its reason beside it; the same content dropped again is
 * recognised and publishes nothing.
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@app/devstack';
import { voiceCsv } from '../src/mediation/test/cdr-fixtures';
import { CdrTestApp, CdrTestEnv, openCdrTestEnv, provision, startCdrTestApp, TEST_API_KEY } from '../src/mediation/test/cdr-test-app';

jest.setTimeout(120_000);

const CALLS = voiceCsv([
  'w-1,33612000301,33140000000,2026-11-20T18:58:00Z,300,0,0',
  'w-2,33612000301,33140000000,2026-11-20T09:00:00Z,abc,0,0',
  'w-3,33612000301,33612345678,2026-11-21T09:00:00Z,42,0,0',
]);

describe('CDR watched directory', () => {
  let env: CdrTestEnv;
  let t: CdrTestApp;
  let dir: string;
  const messages = async () => (await (await env.nc.jetstreamManager()).streams.info(env.stream)).state.messages;
  const until = (what: string, check: () => boolean) => waitFor(what, check, 20_000);

  beforeAll(async () => {
    env = await openCdrTestEnv('cdrwatch');
    await provision(env, 'cdr-watch-a', 'POSTPAID', ['33612000301']);
    dir = mkdtempSync(join(tmpdir(), 'cdr-watch-'));
    t = await startCdrTestApp(env, { CDR_WATCH_DIR: dir, CDR_POLL_INTERVAL_MS: '100' });
  });
  afterAll(async () => {
    await t?.close();
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('takes a file only once it is renamed into place, rates it and moves it to processed/', async () => {
    writeFileSync(join(dir, 'voice', 'msc1-0800.csv.part'), CALLS.slice(0, 40));
    await new Promise((r) => setTimeout(r, 400)); // several polls
    expect(existsSync(join(dir, 'voice', 'msc1-0800.csv.part'))).toBe(true);
    writeFileSync(join(dir, 'voice', 'msc1-0800.csv.part'), CALLS);
    renameSync(join(dir, 'voice', 'msc1-0800.csv.part'), join(dir, 'voice', 'msc1-0800.csv'));

    await until('processed/msc1-0800.csv', () => existsSync(join(dir, 'voice', 'processed', 'msc1-0800.csv')));
    expect(existsSync(join(dir, 'voice', 'msc1-0800.csv'))).toBe(false);
    const list = (await t.app.inject({ method: 'GET', url: '/v1/cdr/files', headers: { 'x-api-key': TEST_API_KEY } })).json();
    expect(list.files).toMatchObject([{ name: 'msc1-0800.csv', source: 'WATCH', status: 'DONE', records: 3, rated: 2, rejected: 1 }]);
    expect(await messages()).toBe(2);
  });

  it('moves a bad file to failed/ with its reason, and a repeated file to processed/ without publishing', async () => {
    writeFileSync(join(dir, 'data', 'pgw-wrong.csv'), CALLS); // a voice file in the data directory
    writeFileSync(join(dir, 'voice', 'msc1-0800-again.csv'), CALLS);
    await until('failed/pgw-wrong.csv', () => existsSync(join(dir, 'data', 'failed', 'pgw-wrong.csv.reason.txt')));
    expect(readFileSync(join(dir, 'data', 'failed', 'pgw-wrong.csv.reason.txt'), 'utf8')).toMatch(
      /^HEADER_MISMATCH: line 1: expected the data header/,
    );
    await until('processed/msc1-0800-again.csv', () => existsSync(join(dir, 'voice', 'processed', 'msc1-0800-again.csv')));
    expect(await messages()).toBe(2);
    expect(await t.registry.getSingleMetricAsString('ratel_cdr_files_total')).toMatch(/format="voice",status="DUPLICATE"[^}]*} 1$/m);
  });
});
