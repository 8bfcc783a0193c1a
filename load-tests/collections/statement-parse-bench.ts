/**
 * Parsing a statement file (issue 10, matching 1M entries: the parser runs on one of the two cores the import has).
 * The matching bench's camt.053 file of N entries (`writeBenchStatement`), read in the import's 64 kB chunks from
 * memory and parsed by `parseStatement` (the XML tokenizer and the camt parser), the payments kept as the import
 * keeps them (the last APPLY_BATCH_MAX-sized batches in hand, ApplyPipeline's two in flight and the one being read),
 * several rounds, each timed by this process's CPU.
 *
 * Baseline in the same run: the same chunks decoded from UTF-8 and every '<' found (`indexOf`), the least any
 * parser of this text does. The ratio says what the tokenizer, the entry's tree and the items cost beyond it.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register load-tests/collections/statement-parse-bench.ts [--entries 100000] [--rounds 5] [--v8-flags collections|none]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { APPLY_BATCH_MAX } from '../../apps/collections/src/matching/apply-payment';
import { STATEMENT_CHUNK_BYTES, chunksOf } from '../../apps/collections/src/payments/import-statement.usecase';
import { parseStatement } from '../../apps/collections/src/payments/statements/statement-parser';
import type { ReceivedPayment } from '../../apps/collections/src/payments/statements/statement-types';
import { COLLECTIONS_V8_FLAGS } from '../../apps/collections/src/runtime-flags';
import { Args } from '../lib/args';
import { runWithV8Flags } from '../lib/v8-flags';
import { writeBenchStatement } from './seed-invoices';

/** Batches of payments kept in hand while the next is read (two in flight in ApplyPipeline, one being filled). */
const BATCHES_IN_HAND = 3;

const cpuMicros = (u: NodeJS.CpuUsage) => u.user + u.system;

/** The baseline: decode every chunk and find every '<'; answers the count (so the work is not optimised away). */
function scanRound(chunks: readonly Buffer[]): number {
  const decoder = new StringDecoder('utf8');
  let tags = 0;
  for (const chunk of chunks) {
    const text = decoder.write(chunk);
    for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i + 1)) tags++;
  }
  return tags;
}

/** One parse of the file, the payments kept as the import keeps them; answers the payments and their sum. */
async function parseRound(chunks: readonly Buffer[]): Promise<{ payments: number; sumMinor: bigint }> {
  const inHand: ReceivedPayment[][] = [];
  let batch: ReceivedPayment[] = [];
  let payments = 0;
  let sumMinor = 0n;
  for await (const items of parseStatement(chunks))
    for (const item of items) {
      if (item.kind !== 'payment') continue;
      payments++;
      sumMinor += item.amountMinor;
      batch.push(item);
      if (batch.length === APPLY_BATCH_MAX) {
        inHand.push(batch);
        batch = [];
        if (inHand.length > BATCHES_IN_HAND) inHand.shift();
      }
    }
  return { payments, sumMinor };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const args = new Args();
  runWithV8Flags(args, 'collections', COLLECTIONS_V8_FLAGS);
  const n = Number(args.str('entries', '100000'));
  const rounds = Number(args.str('rounds', '5'));
  if (!Number.isInteger(n) || n < 1) throw new Error(`--entries: a positive integer, not ${n}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: a positive integer, not ${rounds}`);
  const dir = mkdtempSync(join(tmpdir(), 'ratel-parse-bench-'));
  try {
    const file = join(dir, 'camt053.xml');
    await writeBenchStatement(file, n);
    const bytes = readFileSync(file);
    const chunks = [...chunksOf(bytes, STATEMENT_CHUNK_BYTES)];
    console.log(
      `camt.053: ${n} entries, ${(bytes.length / 1e6).toFixed(1)} MB in ${chunks.length} chunks of ${STATEMENT_CHUNK_BYTES} bytes`,
    );
    const parse: number[] = [];
    const scan: number[] = [];
    for (let r = 1; r <= rounds; r++) {
      let t = process.cpuUsage();
      const tags = scanRound(chunks);
      const scanUs = cpuMicros(process.cpuUsage(t)) / n;
      t = process.cpuUsage();
      const { payments, sumMinor } = await parseRound(chunks);
      const parseUs = cpuMicros(process.cpuUsage(t)) / n;
      if (payments !== n) throw new Error(`round ${r}: ${payments} payments parsed, not ${n}`);
      scan.push(scanUs);
      parse.push(parseUs);
      console.log(
        `round ${r}: parse ${parseUs.toFixed(2)} µs of CPU an entry (${payments} payments, ${sumMinor} minor units); ` +
          `baseline decode + find '<' ${scanUs.toFixed(2)} µs (${tags} tags); ratio ${(parseUs / scanUs).toFixed(1)}x`,
      );
    }
    const p = median(parse);
    const s = median(scan);
    console.log(
      `median of ${rounds} rounds: parse ${p.toFixed(2)} µs an entry (${Math.round(1e6 / p)} entries/s on one core), ` +
        `baseline ${s.toFixed(2)} µs, ratio ${(p / s).toFixed(1)}x; best parse ${Math.min(...parse).toFixed(2)} µs`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
