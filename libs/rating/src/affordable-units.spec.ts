/**
 * Reverse rating against brute force: for seeded random small rates, every budget and every
 * maxUnits in a range, affordableUnits must equal the largest affordable increment found by
 * trying every billable count.
 */
import { affordableUnits, type CompiledRate, priceUnitsMicros } from '@app/rating';
import { seededRandom } from './test/fixtures';

const RATES = 30;
const UNITS_MAX = 24;

function randomRate(random: () => number, n: number): CompiledRate {
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const tierCount = int(1, 3);
  const tiers = [{ fromUnits: 0, priceMicros: int(0, 6) }];
  while (tiers.length < tierCount) tiers.push({ fromUnits: tiers[tiers.length - 1].fromUnits + int(1, 12), priceMicros: int(0, 6) });
  return {
    tariffId: `random:${n}`,
    unit: 'SECONDS',
    setupMicros: int(0, 4),
    firstUnits: int(1, 6),
    nextUnits: int(1, 5),
    perUnits: int(1, 7),
    tiers,
  };
}

/** Cost of each billable count reachable within UNITS_MAX: 0, first, first + next, ... */
function costs(rate: CompiledRate, before: number, setupDue: boolean): Array<{ units: number; cost: bigint }> {
  const out = [{ units: 0, cost: 0n }];
  for (let units = rate.firstUnits; units <= UNITS_MAX; units += rate.nextUnits) {
    out.push({ units, cost: priceUnitsMicros(rate, units, before) + (setupDue ? BigInt(rate.setupMicros) : 0n) });
  }
  return out;
}

function bruteForce(table: Array<{ units: number; cost: bigint }>, budget: bigint, maxUnits: number): number {
  let best = 0;
  for (const { units, cost } of table) if (units <= maxUnits && cost <= budget) best = Math.max(best, units);
  return best;
}

describe('affordableUnits agrees with brute force', () => {
  const random = seededRandom(20_261_121);
  const rates = Array.from({ length: RATES }, (_, n) => randomRate(random, n));

  it.each(rates.map((r) => [r.tariffId, r] as const))('%s', (_id, r) => {
    let checked = 0;
    for (const before of [0, 1 + Math.floor(random() * 20)]) {
      for (const setupDue of [false, true]) {
        const table = costs(r, before, setupDue);
        const top = table[table.length - 1].cost + 1n;
        for (let maxUnits = 0; maxUnits <= UNITS_MAX; maxUnits++) {
          for (let budget = -1n; budget <= top; budget++) {
            const got = affordableUnits(r, budget, before, setupDue, maxUnits);
            if (got !== bruteForce(table, budget, maxUnits)) {
              throw new Error(`${JSON.stringify(r)} budget ${budget} before ${before} setupDue ${setupDue} max ${maxUnits}: got ${got}`);
            }
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
