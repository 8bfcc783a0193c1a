/**
 * Un-barring latency (issue 10: "p99 from a payment import to the bar lifted in charging, under 5 s"):
 * N accounts barred by dunning, each with one overdue invoice; ONE camt.053 file paying every invoice
 * is imported as the collections process imports it (the applier re-evaluates each paid account's
 * dunning after its batch commits, which closes the case and calls charging's unbar). Charging is the
 * fake provisioning API run as its own process on loopback (apps/collections/src/testing/fake-charging.ts),
 * which records when each unbar arrived. Latency per account: unbar received - import started (the
 * whole file is one import: the worst case for the last entries), and unbar received - the commit
 * of the account's batch (what a payment waits once booked).
 *
 * Baseline in the same run: N bare unbar calls to the same fake charging, one at a time (the floor of
 * the HTTP round trip alone).
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/collections/unbar-bench.ts [--accounts 2000] [--v8-flags collections|none]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { migrate } from '@app/db';
import { startPostgres } from '@app/devstack';
import { creditorReference, minorToDecimal } from '@app/money';
import { dunningAfterPayments } from '../../apps/collections/src/api/collections.module';
import { stderrAfterPaymentFailures } from '../../apps/collections/src/dunning/after-payment-failures';
import { ChargingBarring } from '../../apps/collections/src/dunning/barring';
import { Dunning } from '../../apps/collections/src/dunning/dunning';
import { PaymentApplier } from '../../apps/collections/src/matching/apply-payment';
import {
  IMPORT_CONNECTIONS_MAX,
  ImportStatement,
  ImportStatementCommand,
} from '../../apps/collections/src/payments/import-statement.usecase';
import { Args } from '../lib/args';
import { runWithV8Flags } from '../lib/v8-flags';
import { COLLECTIONS_V8_FLAGS } from '../../apps/collections/src/runtime-flags';
import { grossOf, numberText, seedInvoices } from './seed-invoices';

const KEY = 'bench-key';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(0)} ms, p99 ${percentile(s, 99).toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms`;
};

async function main(): Promise<void> {
  const args = new Args();
  // As the collections process runs (its V8 flags), unless --v8-flags none.
  runWithV8Flags(args, 'collections', COLLECTIONS_V8_FLAGS);
  const n = Number(args.str('accounts', '2000'));
  const dir = mkdtempSync(join(tmpdir(), 'ratel-unbar-bench-'));
  const pg = process.env.DATABASE_URL ? undefined : await startPostgres({ dir: join(dir, 'pg'), durable: false });
  const url = process.env.DATABASE_URL ?? pg!.url;
  let fake: ChildProcess | undefined;
  try {
    fake = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'apps/collections/src/testing/fake-charging.ts'], {
      env: { ...process.env, FAKE_CHARGING_KEY: KEY },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const fakeUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      fake!.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening (\d+)/.exec(out);
        if (m !== null) resolve(`http://127.0.0.1:${m[1]}`);
      });
      fake!.once('exit', (code) => reject(new Error(`fake charging exited ${code}`)));
    });
    await migrate(url);
    // As many connections as an import uses at most (the collections process's pool has 8 by default).
    const pool = new Pool({ connectionString: url, max: IMPORT_CONNECTIONS_MAX });
    const at = new Date(Date.UTC(2026, 11, 4, 6));
    await seedInvoices(pool, n, at);
    // Barred by dunning (as a HARD_BAR step leaves it), with the case open.
    await pool.query(
      `insert into dunning_account (account_id, barred_by_dunning, updated_at) select 'acc-' || i, true, $2 from generate_series(1, $1) i`,
      [n, at],
    );
    await pool.query(
      `insert into dunning_case (id, account_id, status, opened_on, created_at, updated_at) select 'dc-' || i, 'acc-' || i, 'OPEN', '2026-11-18', $2, $2 from generate_series(1, $1) i`,
      [n, at],
    );
    await pool.query('vacuum analyze');
    const barring = new ChargingBarring(fakeUrl, KEY);

    // Baseline: the bare unbar round trip, one at a time.
    let t = performance.now();
    const bare: number[] = [];
    for (let i = 1; i <= n; i++) {
      const s = performance.now();
      await barring.unbar(`base-${i}`);
      bare.push(performance.now() - s);
    }
    const bareS = (performance.now() - t) / 1000;

    const entries = Array.from({ length: n }, (_, k) => {
      const i = k + 1;
      return `<Ntry><Amt Ccy="EUR">${minorToDecimal(grossOf(i), 'EUR')}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-12-04</Dt></BookgDt><ValDt><Dt>2026-12-04</Dt></ValDt><AcctSvcrRef>U-${i}</AcctSvcrRef><NtryDtls><TxDtls><RmtInf><Strd><CdtrRefInf><Ref>${creditorReference(numberText(i).replace('-', ''))}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry>`;
    });
    const camt = `<Document><BkToCstmrStmt><Stmt><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>${entries.join('')}</Stmt></BkToCstmrStmt></Document>`;
    const clock = { nowMs: () => Date.now() };
    const dunning = new Dunning(pool, barring);
    const applied = new Map<string, number>();
    const afterPayments = dunningAfterPayments(dunning, clock, stderrAfterPaymentFailures('unbar-bench'));
    const importer = new ImportStatement(
      pool,
      clock,
      new PaymentApplier(pool, async (accountIds) => {
        const now = Date.now();
        for (const a of accountIds) applied.set(a, now);
        await afterPayments(accountIds);
      }),
    );
    const wallStart = Date.now();
    t = performance.now();
    const out = await importer.execute(
      ImportStatementCommand.create({ fileName: 'unbar.xml', sha256: 'b'.repeat(64), requestedBy: 'bench' }),
      [camt],
    );
    const importS = (performance.now() - t) / 1000;
    const calls = (await (await fetch(`${fakeUrl}/calls`)).json()) as { accountId: string; what: string; status: number; at: number }[];
    const unbars = calls.filter((c) => c.what === 'unbar' && c.accountId.startsWith('acc-') && c.status === 200);
    const fromImport = unbars.map((c) => c.at - wallStart);
    console.log(
      `import of ${n} payments (each clearing a barred account): ${importS.toFixed(1)} s, ${out.paymentsCreated} payments, ${unbars.length} unbars`,
    );
    console.log(`  import started -> bar lifted in charging: ${summary(fromImport)}`);
    const fromCommit = unbars.filter((c) => applied.has(c.accountId)).map((c) => c.at - applied.get(c.accountId)!);
    console.log(`  its dunning re-evaluated (after its batch committed) -> bar lifted: ${summary(fromCommit)}`);
    console.log(`baseline, the bare unbar round trip one at a time: ${summary(bare)} (${(n / bareS).toFixed(0)} calls/s)`);
    await pool.end();
  } finally {
    fake?.kill('SIGTERM');
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
