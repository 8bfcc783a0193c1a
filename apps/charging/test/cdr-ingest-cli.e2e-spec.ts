/**
 * `ratel cdr ingest` as an operator runs it (scripts/ratel.ts under ts-node) on real Redis, NATS
 * JetStream and ClickHouse: files from disk are rated and published, their summaries printed as
 * JSON lines, progress written to stderr as plain lines (not a terminal), a file already ingested
 * is skipped, and a bad file makes the exit code 1 while the others still run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireEnv } from '@app/devstack';
import { voiceCsv } from '../src/mediation/test/cdr-fixtures';
import { CdrTestEnv, openCdrTestEnv, provision } from '../src/mediation/test/cdr-test-app';

jest.setTimeout(120_000);

const REPO_ROOT = join(__dirname, '..', '..', '..');

function ratel(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const node = ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'scripts/ratel.ts', ...args];
  const child = spawn(process.execPath, node, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('ratel cdr ingest', () => {
  let env: CdrTestEnv;
  let dir: string;
  let vars: Record<string, string>;

  beforeAll(async () => {
    env = await openCdrTestEnv('cdrcli');
    await provision(env, 'cdr-cli-a', 'POSTPAID', ['33612000101']);
    dir = mkdtempSync(join(tmpdir(), 'ratel-cdr-cli-'));
    vars = {
      NATS_URL: requireEnv('NATS_URL'),
      REDIS_URL: requireEnv('REDIS_URL'),
      CLICKHOUSE_URL: env.ch.url,
      CLICKHOUSE_DATABASE: env.database,
      CDR_SUBJECT_PREFIX: env.subjectPrefix,
      RATEL_REDIS_PREFIX: env.redisPrefix,
      CDR_RATING_WORKERS: '1',
      RATEL_LOG_LEVEL: 'silent',
    };
  });

  afterAll(async () => {
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('rates files from disk, skips one already ingested, and exits 1 on a bad file', async () => {
    const good = join(dir, 'voice-1.csv');
    writeFileSync(
      good,
      voiceCsv([
        'c-1,33612000101,33140000000,2026-11-20T09:00:00Z,60,0,0',
        'c-2,33612000101,33140000000,2026-11-20T10:00:00Z,120,0,0',
        'c-3,33612000999,33140000000,2026-11-20T10:00:00Z,120,0,0', // not routed: rejected
      ]),
    );
    const first = await ratel(['cdr', 'ingest', '--format', 'voice', good], vars);
    expect({ code: first.code, stderr: first.stderr }).toEqual({
      code: 0,
      stderr: expect.stringMatching(/^(cdr ingest voice-1\.csv: .*\n)*cdr ingest voice-1\.csv: done, 3\/3 records \(100\.0 %\), .*\n$/),
    });
    const summary = JSON.parse(first.stdout) as { file: string; duplicate: boolean; status: string; rated: number; rejected: number };
    expect(summary).toMatchObject({ file: good, duplicate: false, status: 'DONE', rated: 2, rejected: 1 });
    const js = env.nc.jetstream();
    expect((await (await js.jetstreamManager()).streams.info(env.stream)).state.messages).toBe(2);

    const bad = join(dir, 'voice-2.csv');
    writeFileSync(bad, 'not,a,header\n1,2,3\n');
    const again = await ratel(['cdr', 'ingest', '--format', 'voice', good, bad], vars);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stdout.trim())).toMatchObject({ file: good, duplicate: true, status: 'DONE' });
    expect(again.stderr).toContain(`ratel cdr ingest: ${bad}: HEADER_MISMATCH`);
    expect(again.stderr).toContain('ratel cdr ingest: 1 of 2 files failed');
    expect((await (await js.jetstreamManager()).streams.info(env.stream)).state.messages).toBe(2);
  });

  it('exits 2 on bad usage and names a missing variable', async () => {
    const usage = await ratel(['cdr', 'ingest', 'x.csv'], vars);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringContaining("required option '--format <format>' not specified")]);
    const config = await ratel(['cdr', 'ingest', '--format', 'data', 'x.csv'], { ...vars, CLICKHOUSE_URL: 'not a url' });
    expect([config.code, config.stderr]).toEqual([2, expect.stringContaining('CLICKHOUSE_URL')]);
  });
});
