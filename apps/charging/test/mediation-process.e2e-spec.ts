/**
 * The mediation process (src/mediation-main.ts) as production runs it, a child process under
 * ts-node: it migrates ClickHouse, serves the CDR API with API-key auth and the `{code}` error
 * format, /openapi.json, /healthz, /readyz (Redis, NATS, ClickHouse) and /metrics on
 * RATEL_MEDIATION_HTTP_PORT, rates an upload, and exits 0 on SIGTERM. The command-line ingest
 * (`runCdrIngest`) rates a file through the same use case.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireEnv, waitFor } from '@app/devstack';
import { runCdrIngest } from '../src/mediation/cli/cdr-ingest';
import { voiceCsv } from '../src/mediation/test/cdr-fixtures';
import { CdrTestEnv, openCdrTestEnv, provision, TEST_API_KEY } from '../src/mediation/test/cdr-test-app';
import { REPO_ROOT } from './system.helpers';

jest.setTimeout(120_000);

const EXIT_TIMEOUT_MS = 30_000;

describe('mediation process', () => {
  let env: CdrTestEnv;
  let proc: ChildProcess | undefined;
  let exited: Promise<number | null>;
  let output = '';
  let base = '';
  let processEnv: Record<string, string>;

  beforeAll(async () => {
    env = await openCdrTestEnv('mediationproc');
    await provision(env, 'med-a', 'POSTPAID', ['33612000401']);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    processEnv = {
      REDIS_URL: requireEnv('REDIS_URL'),
      NATS_URL: requireEnv('NATS_URL'),
      CLICKHOUSE_URL: env.ch.url,
      CLICKHOUSE_DATABASE: env.database,
      CDR_SUBJECT_PREFIX: env.subjectPrefix,
      RATEL_REDIS_PREFIX: env.redisPrefix,
      RATEL_API_KEYS: TEST_API_KEY,
      CDR_RATING_WORKERS: '1',
      RATEL_LOG_LEVEL: 'warn',
    };
    proc = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/charging/src/mediation-main.ts'],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...processEnv, RATEL_MEDIATION_HTTP_PORT: String(port) },
      },
    );
    proc.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    proc.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    exited = new Promise((r) => proc!.once('exit', (code) => r(code)));
    await waitFor('the mediation process to answer /healthz', async () => (await fetch(`${base}/healthz`)).ok, 60_000, 200);
  });

  afterAll(async () => {
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await env?.close();
  });

  it('serves the probes, metrics and OpenAPI without credentials', async () => {
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(['/v1/cdr/files', '/v1/cdr/files/{id}', '/v1/cdr/files/{id}/rejects']);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^ratel_cdr_files_in_progress\{app="mediation"\} 0$/m);
  });

  it('rates an upload under API-key auth, and answers errors with a code', async () => {
    const csv = voiceCsv(['m-1,33612000401,33140000000,2026-11-20T18:58:00Z,300,0,0']);
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${base}/v1/cdr/files?format=voice&name=m.csv`, { method: 'POST', headers, body });
    const anonymous = await post({ 'content-type': 'text/csv' }, csv);
    expect([anonymous.status, ((await anonymous.json()) as { code: string }).code]).toEqual([401, 'UNAUTHENTICATED']);
    const ok = await post({ 'content-type': 'text/csv', 'x-api-key': TEST_API_KEY }, csv);
    expect([ok.status, await ok.json()]).toEqual([201, expect.objectContaining({ status: 'DONE', rated: 1, rejected: 0 })]);
    const malformed = await post({ 'content-type': 'application/json', 'x-api-key': TEST_API_KEY }, '{"a":');
    expect([malformed.status, ((await malformed.json()) as { code: string }).code]).toEqual([400, 'INVALID_ARGUMENT']);
    const unknown = await fetch(`${base}/v1/nothing-here`);
    expect([unknown.status, ((await unknown.json()) as { code: string }).code]).toEqual([404, 'NOT_FOUND']);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^ratel_cdr_records_rated_total\{format="voice",app="mediation"\} 1$/m);
  });

  it('rates files from the command line through the same use case', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdr-cli-'));
    try {
      const path = join(dir, 'cli.csv');
      writeFileSync(
        path,
        voiceCsv(['c-1,33612000401,33140000000,2026-11-20T09:00:00Z,60,0,0', 'c-2,bad,33140000000,2026-11-20T09:00:00Z,60,0,0']),
      );
      const results = await runCdrIngest({
        format: 'voice',
        paths: [path, join(dir, 'missing.csv')],
        env: { ...process.env, ...processEnv, RATEL_API_KEYS: '' },
      });
      expect(results[0]).toMatchObject({ duplicate: false, summary: { name: 'cli.csv', status: 'DONE', rated: 1, rejected: 1 } });
      expect(results[1].error).toMatch(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 0 on SIGTERM', async () => {
    proc!.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), EXIT_TIMEOUT_MS))]);
    expect([code, output]).toEqual([0, expect.not.stringContaining('fatal')]);
  });
});
